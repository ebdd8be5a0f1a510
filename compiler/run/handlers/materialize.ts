import { describedQuery, type Connection, type Relation } from '../../adapters/adapter.js';
import { quoteIdent, quoteRelation } from '../../sql/quote.js';
import type { IndexConfig, ManifestNode } from '../../manifest/types.js';
import { callMacroInNode, compileNodeAtRun, renderInNode } from '../../render/compile-node.js';
import { runNodeHooks } from './node-hooks.js';
import { TemplateRelation } from '../../render/relation.js';
import type { Step } from '../../plan/build-plan.js';
import { ensureSchema, inTransaction, relationKind, swapRelation } from '../relation-sql.js';
import type { RunContext, StepOutcome } from '../run-context.js';
import { indexName, scratchName } from '../scratch-names.js';
import { buildMicrobatchTable, isMicrobatch, runIncremental, type IncrementalInput } from '../incremental/run-incremental.js';
import {
  assertContract,
  contractColumns,
  contractEnforced,
  createContractTable,
  insertContractRows,
  modelConstraints,
  queryColumns,
  type ConstraintName,
  type ContractColumn,
  type ContractConstraint,
} from '../contract.js';
import { applyGrants } from '../grants.js';
import { persistDocs } from '../persist-docs.js';

/**
 * Builds a model. Every materialization builds aside and swaps in one transaction, so a failure leaves
 * the previous relation as it was, and readers never see it missing or half built:
 *
 *   begin → pre-hooks → create <name>__strata_tmp_<run> as (select) → indexes → swap → grants →
 *   comments (persist_docs) → post-hooks → commit
 *
 * Incremental models, once their table exists, add their new rows by their strategy instead (run/incremental/).
 */
export async function materializeModel(step: Extract<Step, { kind: 'materialize' }>, context: RunContext): Promise<StepOutcome> {
  const node = context.parsed.manifest.nodes[step.id];
  const target: Relation = { schema: node.schema, identifier: node.alias };
  const materialized = node.config.materialized;
  return context.adapter.withConnection(async (connection) => {
    await ensureSchema(connection, node.schema);
    const existing = await relationKind(connection, target);
    // `full_refresh: false` keeps an incremental model's table even under --full-refresh (and true always rebuilds it), as in dbt.
    const fullRefresh = typeof node.config.full_refresh === 'boolean' ? node.config.full_refresh : context.fullRefresh;
    const incremental = materialized === 'incremental' && existing === 'table' && !fullRefresh;
    const sql = await compileNodeAtRun(context.parsed, node.id, connection, { isIncremental: incremental, empty: context.empty });
    const compiledPath = context.writeCompiled(node, sql);
    const log = new StatementLog(connection);
    // A contract is checked before the transaction: on a mismatch nothing is built or touched.
    const contract = contractEnforced(node) && materialized !== 'ephemeral' ? await checkContract(log, context, node, sql) : undefined;

    const outcome = await inTransaction(connection, async () => {
      await runNodeHooks(context.parsed, node.id, node.config.pre_hook, log);
      let rows: number | undefined;
      let notices: string[] = [];
      const strategyInput: IncrementalInput = {
        connection: log,
        node,
        target,
        runId: context.runId,
        createTableAs: (relation, select, temporary) => createTableAs(context, node, relation, select, temporary),
      };
      const microbatchRun = { manifest: context.parsed.manifest, eventTimeStart: context.eventTimeStart, eventTimeEnd: context.eventTimeEnd };
      if (incremental) {
        ({ rows, notices } = await runIncremental(strategyInput, sql, microbatchRun));
      } else if (materialized === 'view') {
        const scratch = { schema: node.schema, identifier: scratchName(node.alias, 'tmp', context.runId) };
        await log.exec(createViewAs(context, node, scratch, sql));
        notices = await swapRelation(log, target, scratch, 'view', scratchName(node.alias, 'old', context.runId));
      } else {
        const scratch = { schema: node.schema, identifier: scratchName(node.alias, 'tmp', context.runId) };
        let constraints: ConstraintName[] = [];
        if (contract) {
          const table = createContractTable(scratch, node.alias, contract.columns, context.runId, contract.constraints);
          await log.exec(table.sql);
          constraints = table.names;
          rows = (await log.query(insertContractRows(scratch, contract.columns, sql))).rowCount ?? undefined;
        } else if (isMicrobatch(node.config)) {
          ({ rows, notices } = await buildMicrobatchTable(strategyInput, sql, microbatchRun, scratch));
        } else {
          rows = (await log.query(createTableAs(context, node, scratch, sql))).rowCount ?? undefined;
        }
        const indexes = await createIndexes(log, scratch, node.config.indexes, context.runId);
        notices = [...notices, ...(await swapRelation(log, target, scratch, 'table', scratchName(node.alias, 'old', context.runId)))];
        for (const index of indexes) {
          await log.exec(`alter index ${quoteIdent(node.schema)}.${quoteIdent(index.temporary)} rename to ${quoteIdent(index.final)}`);
        }
        for (const name of constraints) {
          await log.exec(`alter table ${quoteRelation(target)} rename constraint ${quoteIdent(name.temporary)} to ${quoteIdent(name.final)}`);
        }
      }
      // In the same transaction as the swap: the new relation never shows without its grants and comments.
      await applyGrants(log, node, target, incremental);
      await persistDocs(log, node, target, materialized === 'view' ? 'view' : 'table');
      await runNodeHooks(context.parsed, node.id, node.config.post_hook, log);
      return { rows, notices };
    });
    context.writeRun(node, log.text());
    const kind = incremental ? 'incremental' : materialized === 'view' ? 'view' : 'table';
    const rows = outcome.rows;
    return {
      status: 'success',
      materialized: kind,
      relation: `${node.schema}.${node.alias}`,
      message: materialized === 'view' ? 'CREATE VIEW' : incremental ? `INSERT ${rows ?? 0}` : `SELECT ${rows ?? 0}`,
      rowsAffected: rows,
      compiledPath,
      notices: outcome.notices,
    };
  });
}

/**
 * Reads the query's columns and compares them with the declared contract (throws on a mismatch).
 * Returns the declared columns and model-level constraints (`to: ref(...)` rendered): a table (or the
 * first build of an incremental model) is created from them; a view or an incremental insert only
 * gets the check.
 */
async function checkContract(
  log: StatementLog,
  context: RunContext,
  node: ManifestNode,
  sql: string,
): Promise<{ columns: ContractColumn[]; constraints: ContractConstraint[] }> {
  const rendered = (c: ContractConstraint): ContractConstraint =>
    c.to && /^\s*(ref|source)\s*\(/.test(c.to) ? { ...c, to: renderInNode(context.parsed, node.id, `{{ ${c.to} }}`).trim() } : c;
  const declared = contractColumns(node).map((column) => ({ ...column, constraints: column.constraints.map(rendered) }));
  const constraints = modelConstraints(node, declared).map(rendered);
  const actual = await queryColumns(log, sql);
  assertContract(node, declared, actual);
  return { columns: declared, constraints };
}


function createTableAs(context: RunContext, node: ManifestNode, relation: Relation, sql: string, temporary = false): string {
  if (context.parsed.renderer.hasProjectMacro('create_table_as')) {
    return callMacroInNode(context.parsed, node.id, 'create_table_as', [temporary, asTemplate(relation, temporary), sql]);
  }
  const name = temporary ? quoteIdent(relation.identifier) : quoteRelation(relation);
  return `create ${temporary ? 'temporary ' : ''}table ${name} as (\n${sql}\n)`;
}

function createViewAs(context: RunContext, node: ManifestNode, relation: Relation, sql: string): string {
  if (context.parsed.renderer.hasProjectMacro('create_view_as')) {
    return callMacroInNode(context.parsed, node.id, 'create_view_as', [asTemplate(relation, false), sql]);
  }
  return `create view ${quoteRelation(relation)} as (\n${sql}\n)`;
}

function asTemplate(relation: Relation, temporary: boolean): TemplateRelation {
  if (!temporary) return new TemplateRelation(relation.schema, relation.identifier);
  const bare = new TemplateRelation('', relation.identifier);
  bare.toString = () => quoteIdent(relation.identifier);
  return bare;
}

async function createIndexes(log: StatementLog, table: Relation, indexes: IndexConfig[], runId: string) {
  const created: { temporary: string; final: string }[] = [];
  for (const [i, index] of indexes.entries()) {
    const columns = index.columns;
    const final = indexName(table.identifier.replace(/__strata_tmp_.*$/, ''), columns, index.unique === true);
    const temporary = scratchName(`ix${i}`, 'tmp', runId);
    await log.exec(
      `create ${index.unique ? 'unique ' : ''}index ${quoteIdent(temporary)} on ${quoteRelation(table)}` +
        `${index.type ? ` using ${index.type}` : ''} (${columns.map(quoteIdent).join(', ')})`,
    );
    created.push({ temporary, final });
  }
  return created;
}

/** A connection that remembers the statements it ran, for target/run/. */
class StatementLog implements Connection {
  private readonly statements: string[] = [];
  constructor(private readonly connection: Connection) {}
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]) {
    if (!sql.startsWith('select set_config') && !sql.startsWith('select current_setting')) this.statements.push(sql);
    return this.connection.query<Row>(sql, params).catch(withStatement(sql));
  }
  exec(sql: string) {
    this.statements.push(sql);
    return this.connection.exec(sql).catch(withStatement(sql));
  }
  /** Not a statement that runs: not in target/run/. Its errors name the text they point into. */
  describe(sql: string) {
    return this.connection.describe(sql).catch(withStatement(describedQuery(sql)));
  }
  copyFromCsvFile(relation: Relation, columns: string[], csvPath: string) {
    this.statements.push(`copy ${quoteRelation(relation)} from '${csvPath}' (format csv, header true)`);
    return this.connection.copyFromCsvFile(relation, columns, csvPath);
  }
  text(): string {
    return this.statements.map((s) => `${s.trim()};`).join('\n\n') + '\n';
  }
}

/** Keeps the failing statement on a database error, so its `position` can be mapped back to the model. */
function withStatement(sql: string) {
  return (error: unknown): never => {
    if (error && typeof error === 'object') Object.assign(error, { statement: sql });
    throw error;
  };
}

export { StatementLog, withStatement };
