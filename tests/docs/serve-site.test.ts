/** `strata docs serve`'s file server: files under the folder with their types, nothing outside it. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSite, type SiteServer } from '../../compiler/docs/serve-site.js';

describe('serveSite', () => {
  let dir: string;
  let server: SiteServer;

  beforeAll(async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-serve-'));
    dir = path.join(parent, 'target');
    fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>x</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'data.js'), 'window.X=1;');
    fs.writeFileSync(path.join(parent, 'secret.txt'), 'not served');
    server = await serveSite(dir, 0, '127.0.0.1');
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('listens on loopback and serves index.html for /', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain('<title>x</title>');
  });

  it('serves assets with their content type', async () => {
    const response = await fetch(new URL('assets/data.js', server.url));
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await response.text()).toBe('window.X=1;');
  });

  it('refuses paths outside the folder, missing files and other methods', async () => {
    for (const outside of ['/../secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt']) {
      expect((await fetch(new URL(outside, server.url))).status, outside).toBe(404);
    }
    expect((await fetch(new URL('nope.js', server.url))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });
});
