import { createHash } from 'node:crypto';
import { fileDigest } from './file-digest.js';
import type { Project } from './load-project.js';
import { listFiles, readProjectFile, type ProjectFile } from './project-files.js';

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
  const digest = createHash('sha256');
  for (const part of [project, ...project.packages]) {
    // The configuration as it is; each file as its path and content digest (seeds: their CSV's).
    const { files, ...settings } = part;
    // A package's own settings and files come in its turn of the loop.
    const { packages: _packages, ...own } = settings as typeof settings & { packages?: unknown };
    digest.update(JSON.stringify(own));
    for (const [kind, list] of Object.entries(files)) {
      digest.update(`\n${kind}\n`);
      for (const file of list as (ProjectFile | string)[]) {
        digest.update(typeof file === 'string' ? `${file}:${seedDigest(project.root, file)}\n` : `${file.path}:${file.checksum}\n`);
      }
    }
  }
  digest.update('\nextra\n');
  for (const path of listFiles(project.root, extraFolders(project), [''])) digest.update(`${path}:${readProjectFile(project.root, path).checksum}\n`);
  return digest.digest('hex');
}

function seedDigest(root: string, path: string): string {
  try {
    return fileDigest(root, path, 'sha1');
  } catch {
    return 'unreadable';
  }
}
