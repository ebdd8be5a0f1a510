import { hash } from 'node:crypto';
import { fileDigest } from './file-digest.js';
import type { Project } from './load-project.js';
import { listFiles, readProjectFile } from './project-files.js';

/**
 * Folders the parse pass reads besides the project's file lists: the dashboard files, and the fixture
 * files of unit tests under each test path.
 */
function extraFolders(project: Project): string[] {
  return ['dashboards', ...project.paths.tests.map((path) => `${path.replace(/\/+$/, '')}/fixtures`)];
}

/**
 * One digest of everything a loaded project gives the parse pass: its configuration, resolved target and
 * vars, every file's path and content (models, macros, YAML, tests, snapshots, analyses, docs, the
 * seeds' CSV, dashboards and unit-test fixtures), and the same of each installed package. Two loads with
 * the same digest parse to the same manifest, as long as templates read nothing else (see
 * RenderObserver for what they may read besides).
 *
 * @example projectDigest(loadProject('.')) === projectDigest(loadProject('.'))  // true while no file changes
 */
export function projectDigest(project: Project): string {
  const seeds = [project, ...project.packages].flatMap((part) => part.files.seeds.map((path) => `${path}:${seedDigest(project.root, path)}`));
  const extra = listFiles(project.root, extraFolders(project), ['']).map((path) => `${path}:${readProjectFile(project.root, path).checksum}`);
  // A project file stands for its path and checksum; everything else (config, target, vars) as it is.
  const text = JSON.stringify({ project, seeds, extra }, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && 'checksum' in value && 'text' in value && 'path' in value) {
      return `${(value as { path: string }).path}:${(value as { checksum: string }).checksum}`;
    }
    return value;
  });
  return hash('sha256', text, 'hex');
}

function seedDigest(root: string, path: string): string {
  try {
    return fileDigest(root, path, 'sha1');
  } catch {
    return 'unreadable';
  }
}
