/** A resolved connection target (project.yml `targets:` entry, or the built-in embedded default). */
export type TargetConfig = PgliteTarget | PostgresTarget;

interface TargetCommon {
  /** The key in `targets:` (`dev`, `ci`, ...). The built-in default is `embedded`. */
  name: string;
  /** The target schema; custom schemas become `<schema>_<custom>`. */
  schema: string;
  threads: number;
}

export interface PgliteTarget extends TargetCommon {
  type: 'pglite';
  /** Absolute path of the data directory (by default `<project>/.strata/<target name>`). */
  path: string;
}

export interface PostgresTarget extends TargetCommon {
  type: 'postgres';
  /** Either a URL, or the fields below. */
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
}
