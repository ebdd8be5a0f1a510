/**
 * The one table of error codes: each code has one meaning, and the files that raise it. A new use of a
 * code in another file, or a code missing here, fails tests/safety/error-codes.test.ts, so a code
 * is never reused for a second meaning by accident.
 *
 * Families: 0xx internal, 1xx project/YAML/CLI options, 2xx templates, 3xx graph/selection, 4xx run/SQL,
 * 5xx adapters/targets, 6xx deps.
 */
export interface ErrorCodeEntry {
  meaning: string;
  /** Files (relative to compiler/) that raise it. */
  raisedIn: string[];
}

export const ERROR_CODES: Record<string, ErrorCodeEntry> = {
  STR000: { meaning: 'internal error (a bug in Strata)', raisedIn: ['cli/main.ts', 'diagnostics/strata-error.ts'] },

  STR100: { meaning: 'no project.yml or dbt_project.yml', raisedIn: ['project/load-project.ts'] },
  STR101: { meaning: 'a YAML file does not parse', raisedIn: ['project/yaml-file.ts'] },
  STR102: { meaning: 'a YAML file does not match its schema', raisedIn: ['project/yaml-file.ts'] },
  STR103: { meaning: 'profiles.yml or the profile is missing', raisedIn: ['project/resolve-target.ts'] },
  STR104: { meaning: 'unknown target', raisedIn: ['project/resolve-target.ts'] },
  STR105: { meaning: 'a var or env_var used in configuration is not set', raisedIn: ['project/render-config-string.ts'] },
  STR106: { meaning: 'a template in a configuration string does not render', raisedIn: ['project/render-config-string.ts'] },
  STR107: { meaning: 'warning: a key is accepted but not acted on', raisedIn: ['project/project-schema.ts', 'project/resolve-target.ts'] },
  STR108: { meaning: 'warning: unknown key (ignored)', raisedIn: ['project/project-schema.ts', 'project/resolve-target.ts'] },
  STR109: { meaning: 'a target of a type Strata does not run on, or with no type', raisedIn: ['project/resolve-target.ts'] },
  STR110: { meaning: 'a node has properties in two YAML files', raisedIn: ['project/schema-yaml.ts'] },
  STR111: { meaning: 'a malformed test entry in schema YAML', raisedIn: ['project/schema-yaml.ts'] },
  STR120: { meaning: 'two nodes of one resource type share a name', raisedIn: ['render/parse-project.ts'] },
  STR121: { meaning: 'unknown or malformed materialization', raisedIn: ['render/parse-project.ts'] },
  STR122: { meaning: 'one name is a node of two resource types', raisedIn: ['render/parse-project.ts'] },
  STR123: { meaning: 'two relations get the same name once Postgres truncates identifiers to 63 bytes', raisedIn: ['graph/relation-names.ts'] },
  STR124: { meaning: 'a relation or schema name is longer than 63 bytes', raisedIn: ['graph/relation-names.ts'] },
  STR130: { meaning: 'unknown generic test', raisedIn: ['render/parse-project.ts'] },
  STR131: { meaning: 'a test attached to an unknown node', raisedIn: ['render/parse-project.ts'] },
  STR135: { meaning: 'invalid incremental configuration', raisedIn: ['run/incremental/incremental-config.ts'] },
  STR136: { meaning: 'invalid --event-time-start / --event-time-end', raisedIn: ['cli/run-command.ts'] },
  STR137: { meaning: 'a config key names a variable that is not set', raisedIn: ['render/parse-project.ts'] },
  STR138: { meaning: 'invalid --lock-timeout', raisedIn: ['cli/run-command.ts'] },
  STR140: { meaning: 'a malformed unit test definition', raisedIn: ['render/unit-test-nodes.ts'] },
  STR150: { meaning: 'invalid --vars', raisedIn: ['cli/session.ts'] },
  STR160: { meaning: '--state: no manifest.json there', raisedIn: ['graph/state-manifest.ts'] },
  STR161: { meaning: '--state: manifest.json is not valid JSON', raisedIn: ['graph/state-manifest.ts'] },
  STR162: { meaning: '--defer without --state', raisedIn: ['cli/run-command.ts'] },
  STR163: { meaning: 'show needs exactly one model, or --inline', raisedIn: ['cli/inspect-commands.ts'] },
  STR170: { meaning: 'a package link points nowhere', raisedIn: ['project/load-packages.ts'] },
  STR171: { meaning: 'two packages share a name', raisedIn: ['project/load-packages.ts'] },
  STR172: { meaning: 'a package has no valid name', raisedIn: ['project/load-packages.ts'] },
  STR173: { meaning: 'packages declared but not installed (run strata deps)', raisedIn: ['project/load-packages.ts'] },

  STR201: { meaning: 'template syntax error', raisedIn: ['render/nunjucks-env.ts'] },
  STR202: { meaning: 'template render error', raisedIn: ['render/nunjucks-env.ts'] },
  STR203: { meaning: 'a model-only function used outside a model', raisedIn: ['render/render-scope.ts'] },
  STR204: { meaning: 'unknown macro', raisedIn: ['render/renderer.ts'] },
  STR205: { meaning: 'unknown ref', raisedIn: ['render/inline-query.ts', 'render/parse-project.ts'] },
  STR206: { meaning: 'ref to an unknown package', raisedIn: ['render/parse-project.ts'] },
  STR207: { meaning: 'unknown source', raisedIn: ['render/parse-project.ts'] },
  STR210: { meaning: 'syntax error in a macro file', raisedIn: ['render/renderer.ts'] },
  STR220: { meaning: 'nothing to compile for a node', raisedIn: ['render/compile-node.ts'] },
  STR240: { meaning: 'not a unit test', raisedIn: ['render/compile-unit-test.ts'] },
  STR241: { meaning: 'a unit test misses an input its model reads', raisedIn: ['render/compile-unit-test.ts'] },
  STR242: { meaning: 'a unit test expects columns the model does not have', raisedIn: ['run/handlers/unit-test.ts'] },
  STR243: { meaning: 'a unit test names an unknown column', raisedIn: ['run/handlers/unit-test.ts'] },

  STR301: { meaning: 'dependency cycle', raisedIn: ['graph/dag.ts'] },
  STR302: { meaning: 'malformed selector', raisedIn: ['graph/selector-parse.ts'] },
  STR303: { meaning: 'a state: selector without --state', raisedIn: ['graph/select-nodes.ts'] },
  STR304: { meaning: 'warning: a selector term matched nothing', raisedIn: ['graph/select-nodes.ts'] },

  STR401: { meaning: 'a statement failed on the database', raisedIn: ['run/database-error.ts'] },
  STR402: { meaning: 'the selection reads relations that do not exist yet', raisedIn: ['cli/run-command.ts'] },
  STR410: { meaning: 'seed column_types name unknown columns', raisedIn: ['run/handlers/seed.ts'] },
  STR411: { meaning: 'a seed value does not fit its column (or a row is malformed): the load is rolled back', raisedIn: ['run/handlers/seed-copy-error.ts'] },
  STR415: { meaning: 'on_schema_change: fail, and columns were removed', raisedIn: ['run/incremental/schema-change.ts'] },
  STR416: { meaning: 'on_schema_change: columns out of sync', raisedIn: ['run/incremental/schema-change.ts'] },
  STR420: { meaning: 'a malformed test threshold (warn_if / error_if)', raisedIn: ['run/handlers/test.ts'] },
  STR430: { meaning: 'a contract declares no columns or untyped columns', raisedIn: ['run/contract.ts'] },
  STR431: { meaning: 'the query does not match its contract', raisedIn: ['run/contract.ts'] },
  STR432: { meaning: 'unknown contract constraint type', raisedIn: ['run/contract.ts'] },
  STR435: { meaning: 'an on-run-start or on-run-end hook failed', raisedIn: ['run/project-hooks.ts'] },
  STR440: { meaning: 'strata show: the query failed', raisedIn: ['cli/inspect-commands.ts'] },

  STR510: { meaning: 'the embedded data directory is in use by another process', raisedIn: ['adapters/open-adapter.ts', 'adapters/pglite/data-dir-lock.ts', 'adapters/pglite/open-through-owner.ts'] },
  STR511: { meaning: 'cannot create the data directory lock file', raisedIn: ['adapters/pglite/data-dir-lock.ts'] },
  STR512: { meaning: 'PGlite cannot open the data directory', raisedIn: ['adapters/pglite/pglite-adapter.ts'] },
  STR513: { meaning: 'the owner of the embedded database closed it mid-command', raisedIn: ['adapters/pglite/open-through-owner.ts'] },
  STR514: { meaning: 'the embedded data directory is damaged (not re-created)', raisedIn: ['adapters/pglite/data-dir-check.ts'] },
  STR520: { meaning: 'cannot connect to Postgres', raisedIn: ['adapters/pglite/open-through-owner.ts', 'adapters/postgres/connection-errors.ts', 'run/database-error.ts'] },
  STR521: { meaning: 'the connection to the database was lost during the run', raisedIn: ['run/database-error.ts', 'cli/inspect-commands.ts'] },
  STR531: { meaning: 'gave up waiting for another run on the same target (--lock-timeout)', raisedIn: ['adapters/postgres/advisory-lock.ts'] },

  STR600: { meaning: 'deps: packages.yml is not valid YAML', raisedIn: ['deps/deps-errors.ts'] },
  STR601: { meaning: 'deps: an invalid packages.yml entry', raisedIn: ['deps/deps-errors.ts'] },
  STR602: { meaning: 'deps: a local package was not found', raisedIn: ['deps/deps-errors.ts'] },
  STR603: { meaning: 'deps: a git repository is unreachable', raisedIn: ['deps/deps-errors.ts'] },
  STR604: { meaning: 'deps: unknown git revision', raisedIn: ['deps/deps-errors.ts'] },
  STR605: { meaning: 'deps: subdirectory missing', raisedIn: ['deps/deps-errors.ts'] },
  STR606: { meaning: 'deps: the hub is unreachable', raisedIn: ['deps/deps-errors.ts'] },
  STR607: { meaning: 'deps: unknown hub package', raisedIn: ['deps/deps-errors.ts'] },
  STR608: { meaning: 'deps: no version satisfies the range', raisedIn: ['deps/deps-errors.ts'] },
  STR609: { meaning: 'deps: a broken package', raisedIn: ['deps/deps-errors.ts'] },
  STR610: { meaning: 'deps: two packages with one name', raisedIn: ['deps/deps-errors.ts'] },
  STR611: { meaning: 'deps: an invalid tarball', raisedIn: ['deps/deps-errors.ts'] },
  STR612: { meaning: 'deps: conflicting git revisions', raisedIn: ['deps/deps-errors.ts'] },
  STR613: { meaning: 'deps: installing failed', raisedIn: ['deps/deps-errors.ts'] },
  STR614: { meaning: 'deps: an unpinned git package', raisedIn: ['deps/deps-errors.ts'] },
  STR615: { meaning: 'deps: both packages.yml and dependencies.yml', raisedIn: ['deps/deps-errors.ts'] },
};
