/**
 * PGlite's Postgres in WebAssembly (pglite.wasm, 9 MB) and its file bundle (pglite.data, 6 MB:
 * timezones, the initial catalog files...). A command that will open an embedded database starts
 * compiling the one and reading the other as soon as it knows its target (prepareAdapter), so that V8
 * compiles on its background threads while the main thread parses and plans; PGlite.create then takes
 * them ready (`pgliteWasmModule`, `fsBundle`). On the Pagila inner loop the open was 23 ms shorter
 * (medians of 8, 301 against 324 ms, with 60 ms of work between the start and the open).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface EngineFiles {
  pgliteWasmModule?: WebAssembly.Module;
  fsBundle?: Blob;
}

/** WebAssembly.compile: the global is Node's; the types here know only the namespace. */
const compile = (bytes: Uint8Array) =>
  (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly.compile(bytes);

let files: Promise<EngineFiles> | undefined;

/**
 * The files, once per process, compiled under the V8 flags of the moment: call it after startupProfile
 * chose them. The reads are synchronous (a few ms from the page cache), so the compilation is under way
 * when this returns even if the caller then keeps the thread busy. Where the package keeps its files
 * elsewhere (another PGlite version), nothing: PGlite loads them itself.
 */
export function engineFiles(): Promise<EngineFiles> {
  files ??= (() => {
    try {
      const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
      const compiled = compile(readFileSync(join(dist, 'pglite.wasm')));
      const fsBundle = new Blob([readFileSync(join(dist, 'pglite.data'))]);
      return compiled.then(
        (pgliteWasmModule): EngineFiles => ({ pgliteWasmModule, fsBundle }),
        (): EngineFiles => ({}),
      );
    } catch {
      return Promise.resolve({});
    }
  })();
  return files;
}
