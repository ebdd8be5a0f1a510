/**
 * libpq's key/value connection strings (`host=db port=5432 user=u password='p w' dbname=app`), which
 * `url:` of a target may hold as psql accepts them; pg itself reads only URLs.
 */
import type pg from 'pg';

const KEYS: Record<string, keyof pg.ClientConfig> = {
  host: 'host',
  hostaddr: 'host',
  port: 'port',
  user: 'user',
  password: 'password',
  dbname: 'database',
  application_name: 'application_name',
  options: 'options',
};

/** True for `key=value …` text rather than a `scheme://` URL. */
export function isKeyValueDsn(text: string): boolean {
  return !/^\s*[a-z][a-z0-9+.-]*:\/\//i.test(text) && /^\s*[a-z_]+\s*=/i.test(text);
}

/**
 * @example parseKeyValueDsn("host=db port=5432 password='p w'")  // { host: 'db', port: 5432, password: 'p w' }
 */
export function parseKeyValueDsn(text: string): pg.ClientConfig & { sslmode?: string } {
  const config: Record<string, unknown> = {};
  const pair = /([a-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s]*)/gi;
  for (const match of text.matchAll(pair)) {
    const key = match[1].toLowerCase();
    const raw = match[2];
    const value = raw.startsWith("'") ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    if (key === 'sslmode') config.sslmode = value;
    else if (key === 'connect_timeout') config.connectionTimeoutMillis = Number(value) * 1000;
    else if (KEYS[key]) config[KEYS[key]] = key === 'port' ? Number(value) : value;
  }
  return config as pg.ClientConfig & { sslmode?: string };
}
