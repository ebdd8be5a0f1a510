import type { Diagnostic } from '../diagnostics/strata-error.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';

export type HardDeletes = 'ignore' | 'invalidate' | 'new_record';

/** The meta columns a snapshot adds, under the names `snapshot_meta_column_names` gives them. */
export interface SnapshotMetaColumns {
  dbt_valid_from: string;
  dbt_valid_to: string;
  dbt_scd_id: string;
  dbt_updated_at: string;
  dbt_is_deleted: string;
}

/** A snapshot's config, checked and with dbt's defaults applied. */
export interface SnapshotSettings {
  strategy: 'timestamp' | 'check';
  /** The `unique_key` expressions; one, or the columns of a composite key. */
  uniqueKey: string[];
  /** `unique_key` was given as a list: the staging table names its columns `dbt_unique_key_<n>`. */
  compositeKey: boolean;
  /** timestamp: the column (or expression) giving each row's version time; check: optional, else now(). */
  updatedAt?: string;
  /** check: `all`, or the columns compared. */
  checkCols: 'all' | string[];
  hardDeletes: HardDeletes;
  columns: SnapshotMetaColumns;
  /** `dbt_valid_to_current`: an SQL expression current rows carry in their valid_to column instead of null. */
  validToCurrent?: string;
}

export const STRATEGIES = ['timestamp', 'check'] as const;
export const HARD_DELETES: readonly HardDeletes[] = ['ignore', 'invalidate', 'new_record'];
const META_KEYS = ['dbt_valid_from', 'dbt_valid_to', 'dbt_scd_id', 'dbt_updated_at', 'dbt_is_deleted'] as const;

/**
 * Reads and checks a snapshot's config, as dbt 1.9 defines it. Every problem is returned, none thrown;
 * `settings` is there only when there is none.
 *
 * @example
 *   snapshotSettings({ strategy: 'timestamp', unique_key: 'id', updated_at: 'updated_at' }, 'snapshots/s.sql')
 *   // → { settings: { strategy: 'timestamp', uniqueKey: ['id'], hardDeletes: 'ignore', columns: { dbt_valid_from: 'dbt_valid_from', ... } }, problems: [] }
 */
export function snapshotSettings(
  config: Record<string, unknown>,
  place: Omit<Diagnostic, 'code' | 'message'>,
  name: string,
): { settings?: SnapshotSettings; problems: Diagnostic[] } {
  const problems: Diagnostic[] = [];
  const problem = (message: string, hint: string) => problems.push({ code: 'STR132', message: `snapshot '${name}': ${message}`, ...place, hint });

  const strategy = config.strategy;
  if (strategy === undefined || strategy === null) {
    problem('has no strategy', "set strategy='timestamp' (with updated_at) or strategy='check' (with check_cols)");
  } else if (!STRATEGIES.includes(strategy as never)) {
    const guess = didYouMean(String(strategy), [...STRATEGIES]);
    problem(`unknown strategy '${String(strategy)}'`, guess ? `did you mean '${guess}'?` : `the strategies are ${STRATEGIES.join(' and ')}`);
  }

  const key = config.unique_key;
  const uniqueKey = Array.isArray(key) ? key.map(String) : typeof key === 'string' && key.trim() !== '' ? [key] : [];
  if (uniqueKey.length === 0) problem('has no unique_key', "set unique_key='id' (or a list of columns: unique_key=['a', 'b'])");

  const updatedAt = typeof config.updated_at === 'string' && config.updated_at.trim() !== '' ? config.updated_at : undefined;
  if (strategy === 'timestamp' && !updatedAt) problem("uses strategy 'timestamp' without updated_at", "set updated_at='<the column holding each row's last change time>'");

  let checkCols: SnapshotSettings['checkCols'] = 'all';
  if (strategy === 'check') {
    const cols = config.check_cols;
    if (cols === 'all') checkCols = 'all';
    else if (Array.isArray(cols) && cols.length > 0) checkCols = cols.map(String);
    else if (typeof cols === 'string' && cols.trim() !== '') checkCols = [cols];
    else problem("uses strategy 'check' without check_cols", "set check_cols='all' or a list of columns: check_cols=['name', 'email']");
  }

  let hardDeletes: HardDeletes = 'ignore';
  const legacy = config.invalidate_hard_deletes;
  const given = config.hard_deletes;
  if (legacy !== undefined && legacy !== null && given !== undefined && given !== null) {
    problem('sets both invalidate_hard_deletes and hard_deletes', "keep hard_deletes: 'invalidate' (invalidate_hard_deletes is its older name)");
  } else if (given !== undefined && given !== null) {
    if (HARD_DELETES.includes(given as HardDeletes)) hardDeletes = given as HardDeletes;
    else problem(`unknown hard_deletes '${String(given)}'`, `it is one of ${HARD_DELETES.join(', ')}`);
  } else if (legacy === true || legacy === 'true' || legacy === 'True') {
    hardDeletes = 'invalidate';
  }

  const columns = Object.fromEntries(META_KEYS.map((k) => [k, k])) as unknown as SnapshotMetaColumns;
  const names = config.snapshot_meta_column_names;
  if (names !== undefined && names !== null) {
    if (typeof names !== 'object' || Array.isArray(names)) {
      problem('snapshot_meta_column_names must be a mapping', 'e.g. {dbt_valid_from: valid_from, dbt_valid_to: valid_to}');
    } else {
      for (const [k, v] of Object.entries(names)) {
        if (!META_KEYS.includes(k as never)) {
          const guess = didYouMean(k, [...META_KEYS]);
          problem(`snapshot_meta_column_names has an unknown key '${k}'`, guess ? `did you mean '${guess}'?` : `the keys are ${META_KEYS.join(', ')}`);
        } else if (typeof v === 'string' && v.trim() !== '') {
          columns[k as keyof SnapshotMetaColumns] = v.trim();
        }
      }
    }
  }

  const current = config.dbt_valid_to_current;
  const validToCurrent = typeof current === 'string' && current.trim() !== '' ? current.trim() : undefined;
  if (problems.length > 0) return { problems };
  return {
    settings: {
      strategy: strategy as SnapshotSettings['strategy'],
      uniqueKey,
      compositeKey: Array.isArray(key),
      updatedAt,
      checkCols,
      hardDeletes,
      columns,
      validToCurrent,
    },
    problems,
  };
}
