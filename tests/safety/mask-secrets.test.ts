/**
 * One masking function for every message, log line and artifact: a table of every form a secret takes
 * in a connection setting, first as a function, then through real failing connections of the CLI,
 * whose output and every file under target/ and .strata/ must not hold the secret.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskSecrets, rememberConnectionSecrets, rememberSecret } from '../../compiler/diagnostics/mask-secrets.js';
import { copyFixture, strata } from '../engine/cli.js';
import { testPostgresUrl, uniqueSchema } from '../support/engines.js';

/** [text, secret that must be gone, what must stay]. */
const TEXTS: [string, string, string][] = [
  ['cannot connect to postgres://strata:hunter22@db:5432/app', 'hunter22', 'postgres://strata:***@db:5432/app'],
  ['at postgres://:emptyUserPw9@db/app: refused', 'emptyUserPw9', 'postgres://:***@db/app'],
  ['at postgres://u:p@ss@word1@db/app failed', 'ss@word1', '@db/app failed'],
  ['at postgres://u:my pass word@db/app failed', 'pass word', '@db/app failed'],
  ['at postgresql://db/app?sslmode=require&password=qpSecret7 failed', 'qpSecret7', 'sslmode=require&password=***'],
  ['at postgres://u@db/app?sslpassword=keyPass88&x=1', 'keyPass88', 'sslpassword=***&x=1'],
  ['url host=db port=5432 password=kvSecret42 user=u', 'kvSecret42', 'host=db port=5432 password=*** user=u'],
  ["url host=db password='kv quoted 1' user=u", 'kv quoted 1', "password='***' user=u"],
  ['{"url":"postgres://u:jsonPw77@db/app"}', 'jsonPw77', 'postgres://u:***@db/app'],
];

describe('maskSecrets', () => {
  it.each(TEXTS)('masks %s', (text, secret, kept) => {
    const masked = maskSecrets(text);
    expect(masked).not.toContain(secret);
    expect(masked).toContain(kept);
  });

  it('leaves ordinary text alone', () => {
    for (const text of ['Done. PASS=5 WARN=0 ERROR=0 SKIP=0 TOTAL=5', 'postgres://db:5432/app', 'user@example.com wrote', 'select a:b from t']) {
      expect(maskSecrets(text)).toBe(text);
    }
  });

  it('masks remembered secrets wherever they appear, raw or encoded', () => {
    rememberSecret('fieldPw!123');
    rememberConnectionSecrets('postgres://u:rawP@ss w0rd@db/app?sslpassword=other%20Secret');
    const masked = maskSecrets('fieldPw!123 rawP@ss w0rd rawP%40ss%20w0rd other Secret other%20Secret');
    expect(masked.replace(/\*\*\*/g, '').trim().split(/\s+/).filter(Boolean)).toEqual([]);
  });
});

/** Forms of a target whose password must never show: [label, target YAML entry, secret]. */
const TARGETS: [string, Record<string, unknown>, string][] = [
  ['userinfo', { url: 'postgres://strata:S3cretUserinfo@127.0.0.1:1/app' }, 'S3cretUserinfo'],
  ['empty user', { url: 'postgres://:S3cretEmptyUser@127.0.0.1:1/app' }, 'S3cretEmptyUser'],
  ['unencoded @', { url: 'postgres://strata:S3cret@AtSign@127.0.0.1:1/app' }, 'S3cret@AtSign'],
  ['unencoded space', { url: 'postgres://strata:S3cret Space@127.0.0.1:1/app' }, 'S3cret Space'],
  ['query password', { url: 'postgres://strata@127.0.0.1:1/app?password=S3cretQuery' }, 'S3cretQuery'],
  ['query sslpassword', { url: 'postgres://strata@127.0.0.1:1/app?sslpassword=S3cretSslKey' }, 'S3cretSslKey'],
  ['key/value DSN', { url: 'host=127.0.0.1 port=1 user=strata password=S3cretKeyValue dbname=app' }, 'S3cretKeyValue'],
  ['password field', { host: '127.0.0.1', port: 1, user: 'strata', password: 'S3cretField', database: 'app' }, 'S3cretField'],
  ['wrong password on a live host name', { host: 'localhost', port: 1, user: 'strata', password: 'S3cretLocalhost', database: 'app' }, 'S3cretLocalhost'],
];

describe('secrets in real failing connections', () => {
  it.each(TARGETS)('%s: no secret in the output or in target/ and .strata/', async (_label, entry, secret) => {
    const dir = copyFixture('safety');
    const yaml = `\ntarget: leaky\ntargets:\n  leaky: ${JSON.stringify({ type: 'postgres', schema: 'safety', connect_timeout: 3, ...entry })}\n`;
    fs.appendFileSync(path.join(dir, 'project.yml'), yaml);
    for (const args of [['build'], ['debug'], ['show', '--inline', 'select 1'], ['build', '--log-format', 'json']]) {
      const result = await strata([...args, '--project-dir', dir]);
      expect(result.exitCode, result.output).not.toBe(0);
      expect(result.output).not.toContain(secret);
      for (const part of secret.split(/[@ ]/).filter((p) => p.length >= 4)) expect(result.output).not.toContain(part);
    }
    for (const file of filesUnder(dir, ['target', '.strata', 'logs'])) {
      expect(fs.readFileSync(file, 'utf8'), file).not.toContain(secret);
    }
  });
});

describe('secrets of a target that works', () => {
  const url = testPostgresUrl();
  it.skipIf(!url)('a build with a password in the URL and in the key/value DSN writes it nowhere', async () => {
    const withPassword = url!.replace(/^postgres(ql)?:\/\/([^:@/]*)(:[^@]*)?@/, 'postgres://$2:S3cretLive@');
    const parsed = new URL(url!);
    const keyValue = `host=${parsed.hostname} port=${parsed.port} user=${decodeURIComponent(parsed.username)} password='S3cret KV' dbname=${parsed.pathname.slice(1)}`;
    for (const [entry, secret] of [[withPassword, 'S3cretLive'], [keyValue, 'S3cret KV']] as const) {
      const dir = copyFixture('safety');
      const yaml = `\ntarget: live\ntargets:\n  live: ${JSON.stringify({ type: 'postgres', schema: uniqueSchema('secret'), url: entry })}\n`;
      fs.appendFileSync(path.join(dir, 'project.yml'), yaml);
      const result = await strata(['build', '--project-dir', dir, '--log-format', 'json']);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.output).not.toContain(secret);
      const files = filesUnder(dir, ['target', '.strata', 'logs']);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(fs.readFileSync(file, 'utf8'), file).not.toContain(secret);
    }
  });
});

function filesUnder(root: string, folders: string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(full);
    }
  };
  for (const folder of folders) walk(path.join(root, folder));
  return found;
}
