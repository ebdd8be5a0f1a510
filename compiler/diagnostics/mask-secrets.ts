/**
 * The one place that hides secrets. Every message, log line and artifact text goes through
 * `maskSecrets`, which understands:
 *
 * - URLs with userinfo: `postgres://user:pw@host`, `postgres://:pw@host`, and passwords holding an
 *   unencoded `@` or space (`postgres://u:p@ss word@host`: the userinfo ends at the last `@`);
 * - query parameters: `?password=…`, `&sslpassword=…`;
 * - key/value DSNs: `host=h password=pw`, `password='my pw'`;
 * - values remembered with `rememberSecret` (a target's password field, the parts found above when a
 *   target is opened), wherever they appear, raw or URL-encoded.
 *
 * Masking too much is harmless; masking too little leaks, so the URL rules err on the wide side.
 */

const MASK = '***';
/** Keys whose value is a secret in a URL's query or a key/value DSN (`PASS=5` in a summary is not one). */
const SECRET_KEYS = 'password|sslpassword|passwd';

/** Secrets known to this process, longest first when masked. */
const remembered = new Set<string>();

/**
 * Masks every occurrence of `secret` (and its URL-encoded forms) in later `maskSecrets` calls.
 * Values shorter than 4 characters are not remembered: masking every `a` would destroy messages,
 * and the structural rules still hide them where they appear as a password.
 *
 * @example rememberSecret(target.password)
 */
export function rememberSecret(secret: string | undefined | null): void {
  if (typeof secret !== 'string' || secret.length < 4) return;
  remembered.add(secret);
  for (const encoded of [encodeURIComponent(secret), encodeURI(secret), JSON.stringify(secret).slice(1, -1)]) {
    if (encoded.length >= 4) remembered.add(encoded);
  }
}

/**
 * Remembers every secret of a connection string (URL or key/value DSN) so that even a form the
 * structural rules miss is masked.
 *
 * @example rememberConnectionSecrets('postgres://u:p@ss@h/db?sslpassword=x')  // remembers 'p@ss', 'x'
 */
export function rememberConnectionSecrets(connection: string | undefined): void {
  if (!connection) return;
  for (const secret of secretsOf(connection)) {
    rememberSecret(secret);
    try {
      rememberSecret(decodeURIComponent(secret));
    } catch {
      // not percent-encoded: the raw form is remembered already
    }
  }
}

/**
 * @example maskSecrets('cannot connect to postgres://u:p@ss@db:5432/x')  // 'cannot connect to postgres://u:***@db:5432/x'
 * @example maskSecrets('host=db password=hunter22 user=u')                // 'host=db password=*** user=u'
 */
export function maskSecrets(text: string): string {
  if (!text) return text;
  let masked = text.split('\n').map(maskLine).join('\n');
  masked = masked.replace(new RegExp(`([?&;](?:${SECRET_KEYS})=)[^&\\s#'"]*`, 'gi'), `$1${MASK}`);
  masked = masked.replace(
    new RegExp(`(\\b(?:${SECRET_KEYS})\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'|"(?:[^"\\\\]|\\\\.)*"|[^\\s&'"]+)`, 'gi'),
    (_, key: string, value: string) => `${key}${value.startsWith("'") ? `'${MASK}'` : value.startsWith('"') ? `"${MASK}"` : MASK}`,
  );
  for (const secret of [...remembered].sort((a, b) => b.length - a.length)) {
    if (masked.includes(secret)) masked = masked.split(secret).join(MASK);
  }
  return masked;
}

/** Masks the userinfo password of each URL on one line. */
function maskLine(line: string): string {
  const scheme = /\b[a-z][a-z0-9+.-]*:\/\//gi;
  const starts = [...line.matchAll(scheme)].map((m) => ({ at: m.index!, after: m.index! + m[0].length }));
  if (starts.length === 0) return line;
  let out = line.slice(0, starts[0].at);
  starts.forEach((start, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].at : line.length;
    out += line.slice(start.at, start.after) + maskAuthority(line.slice(start.after, end));
  });
  return out;
}

/** `user:pw@host/db…` → `user:***@host/db…`; the password runs to the last `@` before the next URL. */
function maskAuthority(rest: string): string {
  const colon = rest.search(/[:@/?#\s]/);
  if (colon < 0 || rest[colon] !== ':') return rest;
  const at = rest.lastIndexOf('@');
  if (at < colon) return rest;
  const password = rest.slice(colon + 1, at);
  // `host:5432/db … someone@example.com` is a port and a path, not a password.
  if (/^\d{1,5}([/?#]|$)/.test(password) && !/^\d{1,5}$/.test(password)) return rest;
  if (/\s/.test(rest.slice(0, colon))) return rest;
  return `${rest.slice(0, colon + 1)}${MASK}${rest.slice(at)}`;
}

/** The secret values of one connection string. */
function secretsOf(connection: string): string[] {
  const found: string[] = [];
  const url = /^\s*[a-z][a-z0-9+.-]*:\/\/(.*)$/is.exec(connection);
  if (url) {
    const rest = url[1];
    const at = rest.lastIndexOf('@');
    const colon = rest.indexOf(':');
    if (at >= 0 && colon >= 0 && colon < at) found.push(rest.slice(colon + 1, at));
    const query = rest.indexOf('?', Math.max(0, at));
    if (query >= 0) {
      for (const pair of rest.slice(query + 1).split('&')) {
        const [key, ...value] = pair.split('=');
        if (new RegExp(`^(?:${SECRET_KEYS})$`, 'i').test(key)) found.push(value.join('='));
      }
    }
    return found.filter(Boolean);
  }
  const keyValue = new RegExp(`\\b(?:${SECRET_KEYS})\\s*=\\s*('(?:[^'\\\\]|\\\\.)*'|[^\\s]+)`, 'gi');
  for (const match of connection.matchAll(keyValue)) {
    const value = match[1];
    found.push(value.startsWith("'") ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value);
  }
  return found.filter(Boolean);
}
