/**
 * `strata parse`: reads and parses the project (models, tests, sources, docs blocks, versions, groups)
 * and writes target/manifest.json, with no database and no compiled SQL, as `dbt parse` does. A
 * project's errors come out all at once, with exit code 2.
 */
import { join } from 'node:path';
import type { Reporter } from '../report/reporter.js';
import { targetInfo } from '../artifacts/target-info.js';
import { TargetWriter } from '../run/artifacts.js';
import { describeProject, openSession, type CommonArgs } from './session.js';

export function parseCommand(args: CommonArgs, reporter: Reporter): number {
  const started = Date.now();
  const session = openSession(args, reporter);
  const { project, parsed } = session;
  const writer = new TargetWriter(project.root, project.paths.target, project.name, targetInfo(parsed, session.invocationId));
  writer.writeManifest(parsed.manifest);
  reporter.info(describeProject(session));
  reporter.info(`Parsed the project and wrote ${join(project.paths.target, 'manifest.json')} in ${((Date.now() - started) / 1000).toFixed(2)}s`);
  return 0;
}
