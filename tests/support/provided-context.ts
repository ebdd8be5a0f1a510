/** Values the global setup hands to test files through vitest's `provide` / `inject`. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** A pre-initialized PGlite data directory to copy, never to open directly. */
    pgliteTemplateDir: string;
    /** The test Postgres server, or '' when there is none. */
    postgresUrl: string;
    /** Why there is no Postgres server ('' when there is one). */
    postgresSkipReason: string;
  }
}

export {};
