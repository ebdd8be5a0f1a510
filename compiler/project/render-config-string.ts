import { StrataError } from '../diagnostics/strata-error.js';

const CALL = /\{\{\s*(env_var|var)\(\s*(['"])([^'"]+)\2\s*(?:,\s*(['"])([^'"]*)\4\s*)?\)\s*\}\}/g;

/**
 * Renders the small templating allowed in configuration strings: `{{ env_var('X', 'default') }}` and
 * `{{ var('x', 'default') }}`. Anything else between `{{ }}` is an error.
 *
 * @example renderConfigString("{{ env_var('PGURL') }}", { env: process.env, vars: {}, file: 'project.yml' })
 */
export function renderConfigString(
  text: string,
  context: { env: NodeJS.ProcessEnv; vars: Record<string, unknown>; file: string },
): string {
  if (!text.includes('{{')) return text;
  const rendered = text.replace(CALL, (_match, fn: string, _q, name: string, _q2, fallback: string | undefined) => {
    const value = fn === 'env_var' ? context.env[name] : context.vars[name];
    if (value !== undefined && value !== null) return String(value);
    if (fallback !== undefined) return fallback;
    throw new StrataError({
      code: 'STR105',
      message: `${fn === 'env_var' ? 'environment variable' : 'var'} '${name}' is not set`,
      file: context.file,
      hint: fn === 'env_var' ? `export ${name}=... or give a default: env_var('${name}', '...')` : `pass --vars '{${name}: ...}'`,
    });
  });
  if (rendered.includes('{{')) {
    throw new StrataError({
      code: 'STR106',
      message: `only env_var() and var() can be used in configuration strings: ${text}`,
      file: context.file,
    });
  }
  return rendered;
}
