/**
 * The parse pass's result kept between commands in target/.strata-parse.<target>.json, as dbt's partial parsing
 * keeps target/partial_parse.msgpack, at the grain of the whole project: reused when the project's
 * digest (project-digest.ts: every file of the project and its packages, config, target, vars) and
 * Strata's build are those it was parsed with, and the environment variables its templates read hold
 * the same values. A parse whose templates read the clock or the invocation id, or printed a line, is
 * not kept; one whose values are not plain data (a template put an object in a config) neither.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import type { Manifest, NodeId } from '../manifest/types.js';
import type { DashboardDefinition } from '../dashboards/dashboard-file.js';
import type { Project } from '../project/load-project.js';
import { writeFileAtomic } from '../project/project-files.js';
import type { SchemaProperties } from '../project/schema-yaml.js';
import { readRootProperties, renderContextOf, rendererFor } from './parse-context.js';
import { parseProject, type ParsedProject, type ParseOptions } from './parse-project.js';
import type { ParsedTemplate } from './parse-template.js';
import { RecordingObserver, sameEnvironment } from './render-scope.js';

/** One file per target: a project built on two targets in turn keeps both parses. */
export const parseCacheFile = (targetName: string): string => `.strata-parse.${targetName.replace(/[^A-Za-z0-9_-]/g, '_')}.json`;
const CACHE_VERSION = 1;

interface StoredParse {
  version: number;
  key: string;
  /** Environment variables read while parsing, with their values (null: not set). */
  env: Record<string, string | null>;
  manifest: Omit<Manifest, 'generatedAt'>;
  templates: [NodeId, ParsedTemplate][];
  dashboards: DashboardDefinition[];
  warnings: Diagnostic[];
}

export interface ParseCache {
  /** The target directory, where the file lives. */
  dir: string;
  /** The project's digest and Strata's build, as one string. */
  key: string;
  /** Whether this command writes the file after parsing anew. */
  write: boolean;
}

/**
 * parseProject, or the parse of an earlier command when nothing it read changed. The observer of
 * `options` hears the environment variables a reused parse had read, as if they were read again.
 *
 * @example parseProjectCached(project, { invocationId }, { dir: 'target', key, write: true }).manifest
 */
export function parseProjectCached(project: Project, options: ParseOptions, cache: ParseCache): ParsedProject {
  const file = join(cache.dir, parseCacheFile(project.target.name));
  const env = options.env ?? process.env;
  const stored = readStored(file);
  if (stored && stored.key === cache.key && sameEnvironment(stored.env, env)) {
    for (const [name, value] of Object.entries(stored.env)) options.observer?.envRead(name, value ?? undefined);
    return reuse(project, options, stored);
  }

  const observer = new RecordingObserver(options.observer);
  const parsed = parseProject(project, { ...options, observer });
  // Taken now: reads after this point are the run's (templates rendered again at run time), not the parse's.
  const reads = Object.fromEntries(observer.env);
  if (cache.write) {
    if (observer.readVolatile || !plainConfigs(parsed.manifest)) rmSync(file, { force: true });
    else writeStored(file, { version: CACHE_VERSION, key: cache.key, env: reads, manifest: withoutTime(parsed.manifest), templates: [...parsed.templates], dashboards: parsed.dashboards, warnings: parsed.warnings });
  }
  return parsed;
}

function reuse(project: Project, options: ParseOptions, stored: StoredParse): ParsedProject {
  const context = renderContextOf(project, options);
  const renderer = rendererFor(project, context);
  let properties: SchemaProperties | undefined;
  return {
    project,
    manifest: { ...stored.manifest, generatedAt: context.runStartedAt.toISOString() },
    templates: new Map(stored.templates),
    renderer,
    // Only watch's partial parses read them again: read on first use.
    get properties() {
      return (properties ??= readRootProperties(project, []).properties);
    },
    dashboards: stored.dashboards,
    warnings: stored.warnings,
  };
}

function withoutTime(manifest: Manifest): Omit<Manifest, 'generatedAt'> {
  const { generatedAt: _generatedAt, ...rest } = manifest;
  return rest;
}

/** Whether every node's config holds only what JSON keeps (templates may put other values there). */
function plainConfigs(manifest: Manifest): boolean {
  const plain = (value: unknown): boolean => {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
    if (typeof value === 'number') return Number.isFinite(value);
    if (Array.isArray(value)) return value.every((item) => item !== undefined && plain(item));
    if (typeof value !== 'object') return false;
    const prototype = Object.getPrototypeOf(value) as unknown;
    return (prototype === Object.prototype || prototype === null) && Object.values(value).every((item) => item === undefined || plain(item));
  };
  return Object.values(manifest.nodes).every((node) => plain(node.config) && (node.test === undefined || plain(node.test)));
}

function readStored(file: string): StoredParse | undefined {
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredParse;
    return stored.version === CACHE_VERSION ? stored : undefined;
  } catch {
    return undefined;
  }
}

function writeStored(file: string, stored: StoredParse): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify(stored));
  } catch {
    // No target/ yet, or a read-only one: the next command parses anew.
  }
}
