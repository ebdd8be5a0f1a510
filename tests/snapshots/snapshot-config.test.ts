/**
 * A snapshot's config as dbt 1.9 reads it (compiler/snapshot/snapshot-config.ts): defaults, the older
 * spellings, and a clear problem for each thing missing or wrong. No database.
 */
import { describe, expect, it } from 'vitest';
import { snapshotSettings } from '../../compiler/snapshot/snapshot-config.js';

const at = { file: 'snapshots/s.sql', line: 1, column: 1 };
const messages = (config: Record<string, unknown>) => snapshotSettings(config, at, 's').problems.map((p) => `${p.code} ${p.message}`);

describe('snapshot config', () => {
  it('timestamp with dbt defaults: hard_deletes ignore, dbt_* meta columns, null valid_to', () => {
    expect(snapshotSettings({ strategy: 'timestamp', unique_key: 'id', updated_at: 'updated_at' }, at, 's').settings).toEqual({
      strategy: 'timestamp',
      uniqueKey: ['id'],
      compositeKey: false,
      updatedAt: 'updated_at',
      checkCols: 'all',
      hardDeletes: 'ignore',
      columns: { dbt_valid_from: 'dbt_valid_from', dbt_valid_to: 'dbt_valid_to', dbt_scd_id: 'dbt_scd_id', dbt_updated_at: 'dbt_updated_at', dbt_is_deleted: 'dbt_is_deleted' },
      validToCurrent: undefined,
    });
  });

  it('check with a list of columns and of keys; invalidate_hard_deletes means invalidate; renamed meta columns', () => {
    const { settings } = snapshotSettings(
      { strategy: 'check', unique_key: ['a', 'b'], check_cols: ['x'], invalidate_hard_deletes: true, snapshot_meta_column_names: { dbt_valid_to: 'until' } },
      at,
      's',
    );
    expect(settings).toMatchObject({ uniqueKey: ['a', 'b'], compositeKey: true, checkCols: ['x'], hardDeletes: 'invalidate', columns: { dbt_valid_to: 'until', dbt_valid_from: 'dbt_valid_from' } });
  });

  it('reports every problem at once', () => {
    expect(messages({})).toEqual(["STR132 snapshot 's': has no strategy", "STR132 snapshot 's': has no unique_key"]);
    expect(messages({ strategy: 'timestamps', unique_key: 'id' })).toEqual(["STR132 snapshot 's': unknown strategy 'timestamps'"]);
    expect(messages({ strategy: 'timestamp', unique_key: 'id' })).toEqual(["STR132 snapshot 's': uses strategy 'timestamp' without updated_at"]);
    expect(messages({ strategy: 'check', unique_key: 'id' })).toEqual(["STR132 snapshot 's': uses strategy 'check' without check_cols"]);
    expect(messages({ strategy: 'check', unique_key: 'id', check_cols: 'all', hard_deletes: 'drop' })).toEqual(["STR132 snapshot 's': unknown hard_deletes 'drop'"]);
    expect(messages({ strategy: 'check', unique_key: 'id', check_cols: 'all', hard_deletes: 'invalidate', invalidate_hard_deletes: true })).toEqual([
      "STR132 snapshot 's': sets both invalidate_hard_deletes and hard_deletes",
    ]);
    expect(messages({ strategy: 'check', unique_key: 'id', check_cols: 'all', snapshot_meta_column_names: { dbt_valid_too: 'x' } })).toEqual([
      "STR132 snapshot 's': snapshot_meta_column_names has an unknown key 'dbt_valid_too'",
    ]);
    expect(snapshotSettings({ strategy: 'timestamps', unique_key: 'id' }, at, 's').problems[0].hint).toBe("did you mean 'timestamp'?");
  });
});
