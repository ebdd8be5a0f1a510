/**
 * `strata run-operation <macro> --args '{key: value}'`: calls a macro on the target, as dbt does
 * (setting up source tables, grants, maintenance). The macro's statements run in one transaction on
 * one connection, under the target's writer lock.
 */
import { openAdapter } from '../adapters/adapter.js';
import { lockTarget } from '../adapters/adapter.js';
import { StrataError } from '../diagnostics/strata-error.js';
import type { Reporter } from '../report/reporter.js';
import { runOperationAtRun } from '../render/compile-node.js';
import { inTransaction } from '../run/relation-sql.js';
import { openSession, parseMappingOption, type CommonArgs } from './session.js';

export interface RunOperationArgs extends CommonArgs {
  macro: string;
  /** `--args`: the macro's keyword arguments, YAML or JSON. */
  args?: string;
  lockTimeout?: number;
}

/** Exit code 0 when the macro ran, 1 when it failed on the database or raised, 2 for a wrong call. */
export async function runOperationCommand(args: RunOperationArgs, reporter: Reporter): Promise<number> {
  const session = openSession(args, reporter);
  const { project, parsed } = session;
  if (!parsed.renderer.hasMacro(args.macro.replace(/^.*\./, ''), args.macro.includes('.') ? args.macro.split('.')[0] : undefined)) {
    throw new StrataError({ code: 'STR204', message: `no macro named '${args.macro}'`, hint: 'name a macro of the project or of an installed package (pkg.macro)' });
  }
  const kwargs = macroArguments(args.args);
  parsed.renderer.run.flags = { WHICH: 'run-operation' };
  const notice = (message: string) => reporter.event({ type: 'notice', message });
  const adapter = await openAdapter(project.target, { onNotice: notice });
  const lock = await lockTarget(project.target, { timeoutSeconds: args.lockTimeout, command: 'run-operation', onWait: notice }).catch(async (error) => {
    await adapter.close();
    throw error;
  });
  try {
    await adapter.withConnection((connection) => inTransaction(connection, () => runOperationAtRun(parsed, args.macro, kwargs, connection)));
    reporter.info(`Ran ${args.macro} on ${project.target.name}`);
    return 0;
  } catch (error) {
    if (!(error instanceof StrataError)) throw error;
    reporter.diagnostics(error.diagnostics);
    return 1;
  } finally {
    await lock.release();
    await adapter.close();
  }
}

function macroArguments(text: string | undefined): Record<string, unknown> {
  return parseMappingOption(text, '--args', 'STR164', `e.g. --args '{table: orders}'`);
}
