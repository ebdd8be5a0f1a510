/**
 * The one rendering of a node result, which `build` prints after a timestamp and `watch` under its
 * change set's heading: a table of results and the lines each gives (colours stripped).
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../compiler/manifest/types.js';
import { nodeResultLines } from '../../compiler/report/console-lines.js';
import type { NodeResult } from '../../compiler/run/events.js';

const plain = (lines: string[]) => lines.map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''));

function result(fields: Partial<NodeResult>): NodeResult {
  return {
    id: 'model.shop.orders' as NodeId,
    name: 'orders',
    resourceType: 'model',
    materialized: 'table',
    relation: 'shop.orders',
    status: 'success',
    message: 'SELECT 3',
    startedAt: '2024-01-01T00:00:00.000Z',
    completedAt: '2024-01-01T00:00:00.250Z',
    executionTime: 0.25,
    ...fields,
  };
}

describe('nodeResultLines', () => {
  it.each<[string, Partial<NodeResult>, string[]]>([
    ['a built model', {}, ['3 of 7 OK created table model shop.orders .............................. [SELECT 3 in 0.25s]']],
    [
      'a loaded seed',
      { resourceType: 'seed', materialized: 'seed', name: 'raw', relation: 'shop.raw', message: 'INSERT 10' },
      ['3 of 7 OK loaded seed file shop.raw .................................... [INSERT 10 in 0.25s]'],
    ],
    [
      'a passing test',
      { resourceType: 'test', materialized: 'test', name: 'not_null_orders_id', status: 'pass', relation: undefined },
      ['3 of 7 PASS test not_null_orders_id .................................... [PASS in 0.25s]'],
    ],
    [
      'a failing test, with its rows',
      {
        resourceType: 'test',
        materialized: 'test',
        name: 'unique_orders_id',
        status: 'fail',
        failures: 2,
        message: 'Got 2 results, configured to fail if != 0',
        compiledPath: 'target/compiled/shop/unique_orders_id.sql',
        sampleRows: [{ id: 1, n: 2 }],
      },
      [
        '3 of 7 FAIL test unique_orders_id ...................................... [FAIL 2 in 0.25s]',
        '  Got 2 results, configured to fail if != 0; compiled SQL: target/compiled/shop/unique_orders_id.sql',
        '  failing rows (first 1):',
        '    id | n',
        '    ---+--',
        '     1 | 2',
      ],
    ],
    [
      'a warning test',
      { resourceType: 'test', materialized: 'test', name: 'recent', status: 'warn', failures: 1, message: 'Got 1 result', compiledPath: undefined },
      ['3 of 7 WARN test recent ................................................ [WARN 1 in 0.25s]', '  Got 1 result; compiled SQL: (not written)'],
    ],
    [
      'a model that failed, with the error and its place',
      {
        status: 'error',
        message: 'division by zero',
        error: { code: 'STR401', message: 'division by zero', file: 'models/orders.sql', line: 3, column: 9, severity: 'error' },
      },
      [
        '3 of 7 ERROR table model shop.orders ................................... [ERROR in 0.25s]',
        '  models/orders.sql:3:9  error STR401  division by zero',
      ],
    ],
    [
      'a skipped model',
      { status: 'skipped', materialized: 'view', message: "skipped: depends on 'stg' which failed", executionTime: 0 },
      ['3 of 7 SKIP view model shop.orders ..................................... [SKIP]'],
    ],
    [
      'a failed unit test: missing and extra rows',
      {
        resourceType: 'unit_test',
        materialized: 'unit',
        name: 'orders_totals',
        status: 'fail',
        message: 'actual differs from expected',
        compiledPath: 'target/compiled/shop/orders_totals.sql',
        failures: 2,
        unitDiff: { missing: [{ id: 1 }], extra: [{ id: 2 }] },
      },
      [
        '3 of 7 FAIL unit test orders_totals .................................... [FAIL 2 in 0.25s]',
        '  actual differs from expected; compiled SQL: target/compiled/shop/orders_totals.sql',
        '  missing rows (expected, not returned):',
        '    id',
        '    --',
        '     1',
        '  extra rows (returned, not expected):',
        '    id',
        '    --',
        '     2',
      ],
    ],
    [
      'notices raised while building',
      { materialized: 'view', message: 'CREATE VIEW', notices: ['recreated the dependent view shop.v'] },
      ['3 of 7 OK created view model shop.orders ............................... [CREATE VIEW in 0.25s]', '  recreated the dependent view shop.v'],
    ],
  ])('%s', (_title, fields, expected) => {
    expect(plain(nodeResultLines(result(fields), 3, 7))).toEqual(expected);
  });
});
