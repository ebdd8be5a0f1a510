/**
 * `strata compile` reuses target/ when nothing it was compiled from changed (compile-record.ts): the
 * cases where it must, and every case where it must compile anew (an edited file, another value of an
 * environment variable a template read, the clock, a deleted compiled file, another command's writes,
 * another selection, `--no-partial-parse`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { strata, writeFiles } from './cli.js';

const REUSED = 'nothing changed since the last compile: target/ reused';
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-reuse-'));
  dirs.push(dir);
  writeFiles(dir, {
    'project.yml': `name: reuse\ntarget: local\ntargets:\n  local: { type: pglite, path: ${JSON.stringify(path.join(dir, '.db'))}, schema: main }\n`,
    'models/orders.sql': "select 1 as order_id, '{{ env_var(\"REUSE_REGION\", \"eu\") }}' as region\n",
    'models/order_count.sql': "select count(*) as n from {{ ref('orders') }}\n",
    'models/schema.yml': 'version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: order_id\n        data_tests: [unique]\n',
    ...files,
  });
  return dir;
}

async function compile(dir: string, args: string[] = [], env: Record<string, string> = {}) {
  const result = await strata(['compile', '--project-dir', dir, ...args], { env });
  expect(result.exitCode, result.output).toBe(0);
  return { ...result, reused: result.stdout.includes(REUSED) };
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, 'target', file), 'utf8');
const compiledOrders = (dir: string) => read(dir, 'compiled/reuse/models/orders.sql');

/** manifest.json without the two values a reuse stamps anew. */
function manifestBody(dir: string): unknown {
  const manifest = JSON.parse(read(dir, 'manifest.json')) as { metadata: Record<string, unknown> };
  const { generated_at: _generatedAt, invocation_id: _invocationId, ...metadata } = manifest.metadata;
  return { ...manifest, metadata };
}

describe('strata compile reuses target/ when nothing changed', () => {
  it('reuses it, stamping the artifacts with the new invocation; the files are otherwise the same bytes', async () => {
    const dir = project();
    const first = await compile(dir);
    expect(first.reused).toBe(false);
    const before = { manifest: manifestBody(dir), raw: read(dir, 'manifest.json'), state: read(dir, 'strata_state.json'), sql: compiledOrders(dir) };
    const second = await compile(dir);
    expect(second.reused).toBe(true);
    // The same summary as a compile that did the work.
    expect(second.stdout).toMatch(/Found 2 models, 1 data test/);
    expect(second.stdout).toMatch(/Compiled 3 nodes to target\/compiled/);
    const raw = read(dir, 'manifest.json');
    expect(raw).not.toBe(before.raw);
    expect(raw.length).toBe(before.raw.length);
    expect(manifestBody(dir)).toEqual(before.manifest);
    const ids = [before.raw, raw].map((text) => (JSON.parse(text) as { metadata: { invocation_id: string } }).metadata.invocation_id);
    expect(ids[0]).not.toBe(ids[1]);
    expect((JSON.parse(read(dir, 'strata_state.json')) as { metadata: { invocation_id: string } }).metadata.invocation_id).toBe(ids[1]);
    expect(compiledOrders(dir)).toBe(before.sql);
  });

  it('compiles anew after an edit, and reuses the new result next time', async () => {
    const dir = project();
    await compile(dir);
    fs.writeFileSync(path.join(dir, 'models/orders.sql'), 'select 2 as order_id\n');
    const edited = await compile(dir);
    expect(edited.reused).toBe(false);
    expect(compiledOrders(dir)).toContain('select 2 as order_id');
    expect((await compile(dir)).reused).toBe(true);
  });

  it('compiles anew when an environment variable a template read has another value', async () => {
    const dir = project();
    await compile(dir, [], { REUSE_REGION: 'us' });
    expect(compiledOrders(dir)).toContain("'us' as region");
    expect((await compile(dir, [], { REUSE_REGION: 'us' })).reused).toBe(true);
    // An unrelated variable changes nothing.
    expect((await compile(dir, [], { REUSE_REGION: 'us', SOMETHING_ELSE: '1' })).reused).toBe(true);
    const changed = await compile(dir, [], { REUSE_REGION: 'apac' });
    expect(changed.reused).toBe(false);
    expect(compiledOrders(dir)).toContain("'apac' as region");
  });

  it('never reuses a compile whose templates read the clock or printed a line', async () => {
    for (const text of ["select '{{ run_started_at }}' as at\n", "select '{{ modules.datetime.datetime.now() }}' as at\n", "{{ log('compiling', info=True) }}select 1 as x\n", "select '{{ invocation_id }}' as id\n"]) {
      const dir = project({ 'models/clock.sql': text });
      await compile(dir);
      const first = read(dir, 'compiled/reuse/models/clock.sql');
      const again = await compile(dir);
      expect(again.reused, text).toBe(false);
      if (!text.includes('log(')) expect(read(dir, 'compiled/reuse/models/clock.sql'), text).not.toBe(first);
    }
  });

  it('compiles anew when a compiled file was deleted, or manifest.json was changed', async () => {
    const dir = project();
    await compile(dir);
    fs.rmSync(path.join(dir, 'target/compiled/reuse/models/orders.sql'));
    expect((await compile(dir)).reused).toBe(false);
    expect(compiledOrders(dir)).toContain('as order_id');
    fs.writeFileSync(path.join(dir, 'target/manifest.json'), '{}');
    expect((await compile(dir)).reused).toBe(false);
    expect(JSON.parse(read(dir, 'manifest.json'))).toHaveProperty('nodes');
  });

  it('compiles anew for another selection, another target schema or --vars, and with --no-partial-parse', async () => {
    const dir = project({ 'models/greeting.sql': "select '{{ var(\"greeting\", \"hi\") }}' as g\n" });
    await compile(dir);
    const selected = await compile(dir, ['--select', 'orders']);
    expect(selected.reused).toBe(false);
    expect(selected.stdout).toMatch(/Compiled 2 nodes/); // orders and its test
    expect((await compile(dir, ['--select', 'orders'])).reused).toBe(true);
    expect((await compile(dir, ['--select', 'orders', '--vars', '{greeting: hey}'])).reused).toBe(false);
    expect((await compile(dir, ['--select', 'orders', '--vars', '{greeting: hey}', '--no-partial-parse'])).reused).toBe(false);
    fs.appendFileSync(path.join(dir, 'project.yml'), '  other: { type: pglite, schema: other }\n');
    expect((await compile(dir, ['--select', 'orders', '--vars', '{greeting: hey}', '--target', 'other'])).reused).toBe(false);
    expect(read(dir, 'manifest.json')).toContain('"schema":"other"');
  });

  it('compiles anew after another command wrote target/ (`strata parse`); `strata ls`, which writes nothing there, changes nothing', async () => {
    const dir = project();
    await compile(dir);
    const parse = await strata(['parse', '--project-dir', dir]);
    expect(parse.exitCode, parse.output).toBe(0);
    expect((await compile(dir)).reused).toBe(false);
    expect((await strata(['ls', '--project-dir', dir])).exitCode).toBe(0);
    expect((await compile(dir)).reused).toBe(true);
  });

  it('replays the warnings a reused compile would print', async () => {
    const dir = project({ 'models/schema.yml': 'version: 2\nmodels:\n  - name: orders\n    config:\n      not_a_config: 1\n' });
    const first = await compile(dir);
    const warning = first.output.split('\n').find((line) => line.includes('not_a_config'));
    expect(warning).toBeDefined();
    const again = await compile(dir);
    expect(again.reused).toBe(true);
    expect(again.output).toContain(warning!.replace(/^\d\d:\d\d:\d\d\s+/, ''));
  });
});
