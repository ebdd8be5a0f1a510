/**
 * The Jinja dialect's code generation (see jinja-dialect.ts): the dialect's nodes, Python operators
 * and truthiness, loops with `break`/`continue` and Jinja's `loop`, macros with `varargs`/`kwargs`.
 */
import type { NunjucksInternals } from './jinja-dialect.js';
import type { DialectNodes } from './jinja-parser.js';

const LOOP_NEIGHBOURS = new Set(['cycle', 'previtem', 'nextitem', 'changed', 'depth', 'depth0']);

export function patchCompiler({ compiler: { Compiler }, nodes, runtime }: NunjucksInternals, dialect: DialectNodes): void {
  const proto = Compiler.prototype;

  // The called expression's text goes into the generated code as a "..." string for error messages: a
  // string literal spanning lines (`'...'.format(x)`) must not put a raw newline or backslash there.
  const getNodeName = proto._getNodeName;
  proto._getNodeName = function (this: any, node: any): string {
    return String(getNodeName.call(this, node))
      .replace(/\\/g, '\\\\')
      .replace(/\r?\n|\r|\u2028|\u2029/g, '\\n');
  };

  const assertType = proto.assertType;
  proto.assertType = function (this: any, node: any, ...types: unknown[]) {
    if (node instanceof dialect.DialectNode) return;
    assertType.call(this, node, ...types);
  };

  proto.compileStarArgs = function (this: any, node: any, frame: any) {
    this._emit('...runtime.pyIterable(');
    this._compileExpression(node.target, frame);
    this._emit(')');
  };
  proto.compileStarStarArgs = function (this: any, node: any, frame: any) {
    this._emit('...(');
    this._compileExpression(node.target, frame);
    this._emit(')');
  };
  const compilePair = proto.compilePair;
  proto.compilePair = function (this: any, node: any, frame: any) {
    if (!(node.key instanceof dialect.ComputedKey)) return compilePair.call(this, node, frame);
    this._emit('[');
    this._compileExpression(node.key.expr, frame);
    this._emit(']: ');
    this._compileExpression(node.value, frame);
  };
  proto.compileSlice = function (this: any, node: any, frame: any) {
    this._emit('runtime.pySlice(');
    this._compileExpression(node.target, frame);
    for (const part of [node.start, node.stop, node.step]) {
      this._emit(', ');
      if (part) this._compileExpression(part, frame);
      else this._emit('null');
    }
    this._emit(')');
  };
  proto.compileWith = function (this: any, node: any, frame: any) {
    const inner = frame.push();
    const ids = node.assignments.children.map((pair: any) => {
      const id = this._tmpid();
      this._emit(`var ${id} = `);
      this._compileExpression(pair.value, frame);
      this._emitLine(';');
      inner.set(pair.key.value, id);
      return id;
    });
    // try/finally: a `{% break %}` in the body must still leave the scope.
    this._emitLine('frame = frame.push(); try {');
    node.assignments.children.forEach((pair: any, i: number) => this._emitLine(`frame.set(${JSON.stringify(pair.key.value)}, ${ids[i]});`));
    this.compile(node.body, inner);
    this._emitLine('} finally { frame = frame.pop(); }');
  };
  proto.compileLoopControl = function (this: any, node: any) {
    this._emitLine(`${node.keyword};`);
  };

  // Python's operators where JavaScript's differ: `==` on lists and dicts, `+` on lists, `*` on
  // strings, `%` formatting, and `~` with an undefined side.
  const compileCompare = proto.compileCompare;
  proto.compileCompare = function (this: any, node: any, frame: any) {
    if (node.ops.length > 1) {
      // `a < b < c` is `a < b and b < c`, as in Python (JavaScript would compare `a < b` to c).
      this._emit('runtime.pyCompareChain([');
      this.compile(node.expr, frame);
      for (const op of node.ops) {
        this._emit(', ');
        this.compile(op.expr, frame);
      }
      this._emit(`], ${JSON.stringify(node.ops.map((op: any) => op.type))})`);
      return;
    }
    const op = node.ops[0];
    if (op.type !== '==' && op.type !== '!=') return compileCompare.call(this, node, frame);
    this._emit(op.type === '!=' ? '!runtime.pyEq(' : 'runtime.pyEq(');
    this.compile(node.expr, frame);
    this._emit(', ');
    this.compile(op.expr, frame);
    this._emit(')');
  };
  for (const [method, helper] of [['compileAdd', 'pyAdd'], ['compileSub', 'pySub'], ['compileMul', 'pyMul'], ['compileMod', 'pyMod'], ['compileConcat', 'pyConcat']]) {
    proto[method!] = function (this: any, node: any, frame: any) {
      this._emit(`runtime.${helper}(`);
      this.compile(node.left, frame);
      this._emit(', ');
      this.compile(node.right, frame);
      this._emit(')');
    };
  }

  // Python truthiness in conditions: `{% if cols %}` is false for an empty list, dict or macro output.
  // Inside a condition, `and`/`or`/`not` only need truth values, so they compile to plain && || !.
  const booleanNodes = [nodes.Is, nodes.In, nodes.Compare, dialect.Truthy];
  const emitTruth = (compiler: any, node: any, frame: any): void => {
    if (node instanceof nodes.And || node instanceof nodes.Or) {
      compiler._emit('(');
      emitTruth(compiler, node.left, frame);
      compiler._emit(node instanceof nodes.And ? ' && ' : ' || ');
      emitTruth(compiler, node.right, frame);
      compiler._emit(')');
    } else if (node instanceof nodes.Not) {
      compiler._emit('!');
      emitTruth(compiler, node.target, frame);
    } else if (booleanNodes.some((type) => node instanceof type) || (node instanceof nodes.Literal && typeof node.value === 'boolean')) {
      compiler.compile(node, frame);
    } else {
      compiler._emit('runtime.pyTruthy(');
      compiler._compileExpression(node, frame);
      compiler._emit(')');
    }
  };
  proto.compileTruthy = function (this: any, node: any, frame: any) {
    emitTruth(this, node.expr, frame);
  };
  proto.compileNot = function (this: any, node: any, frame: any) {
    this._emit('!');
    emitTruth(this, node.target, frame);
  };
  for (const method of ['compileIf', 'compileInlineIf']) {
    const original = proto[method];
    proto[method] = function (this: any, node: any, frame: any, ...rest: unknown[]) {
      if (!(node.cond instanceof dialect.Truthy)) node.cond = new dialect.Truthy(node.cond.lineno, node.cond.colno, node.cond);
      return original.call(this, node, frame, ...rest);
    };
  }
  // As values, `a or b` and `a and b` give one of their operands, as in Python (`cols or []`).
  for (const [method, helper] of [['compileAnd', 'pyAnd'], ['compileOr', 'pyOr']]) {
    proto[method!] = function (this: any, node: any, frame: any) {
      this._emit(`runtime.${helper}(`);
      this.compile(node.left, frame);
      this._emit(', () => ');
      this.compile(node.right, frame);
      this._emit(')');
    };
  }

  // Test arguments separated by commas (nunjucks emitted them back to back).
  proto.compileIs = function (this: any, node: any, frame: any) {
    const name = node.right.name ? node.right.name.value : node.right.value;
    this._emit(`(env.getTest(${JSON.stringify(name)}).call(context, `);
    this.compile(node.left, frame);
    for (const arg of node.right.args?.children ?? []) {
      this._emit(', ');
      this._compileExpression(arg, frame);
    }
    this._emit(') === true)');
  };

  // `{% for x in xs if cond %}` parses as an inline `if` without `else`: iterate over the kept items,
  // so `loop.length` and `{% else %}` see the filtered list as in Jinja.
  const compileFor = proto.compileFor;
  proto.compileFor = function (this: any, node: any, frame: any) {
    if (node.arr instanceof nodes.InlineIf && node.arr.else_ === null) {
      node.arr = new dialect.LoopFilter(node.arr.lineno, node.arr.colno, node.name, node.arr.body, node.arr.cond);
    } else if (node.name instanceof nodes.Symbol && !(node.arr instanceof dialect.DialectNode)) {
      // One name over a dict iterates its keys (nunjucks' loop reads `.length` and skipped dicts).
      node.arr = new dialect.ForIterable(node.arr.lineno, node.arr.colno, node.arr);
    }
    return compileFor.call(this, node, frame);
  };
  proto.compileForIterable = function (this: any, node: any, frame: any) {
    this._emit('runtime.pyForIterable(');
    this._compileExpression(node.arr, frame);
    this._emit(')');
  };
  proto.compileLoopFilter = function (this: any, node: any, frame: any) {
    const item = this._tmpid();
    const inner = frame.push();
    const pairs = node.name instanceof nodes.Array;
    if (pairs) node.name.children.forEach((child: any, i: number) => inner.set(child.value, `${item}[${i}]`));
    else inner.set(node.name.value, item);
    this._emit('runtime.pyLoopFilter(');
    this._compileExpression(node.arr, frame);
    this._emit(`, ${pairs}, function (${item}) { return `);
    emitTruth(this, node.cond, inner);
    this._emit('; })');
  };
  // `loop.cycle()`, `loop.previtem`, `loop.nextitem`, `loop.changed()`, `loop.depth`: bound only in
  // loops whose body uses them.
  const emitLoopBindings = proto._emitLoopBindings;
  proto._emitLoopBindings = function (this: any, node: any, arr: string, i: string, len: string) {
    emitLoopBindings.call(this, node, arr, i, len);
    node.dialectNeighbours ??= (node.body?.findAll(nodes.LookupVal) ?? []).some(
      (lookup: any) => lookup.target instanceof nodes.Symbol && lookup.target.value === 'loop' && LOOP_NEIGHBOURS.has(lookup.val?.value),
    );
    if (node.dialectNeighbours) this._emitLine(`runtime.pyLoopNeighbours(frame, ${arr}, ${i});`);
  };

  // Assignment to names, to attributes (`ns.total`), and to several names from a sequence.
  proto.compileSet = function (this: any, node: any, frame: any) {
    const value = this._tmpid();
    this._emit(`var ${value} = `);
    if (node.value) this._compileExpression(node.value, frame);
    else this.compile(node.body, frame);
    this._emitLine(';');
    if (node.targets.length === 1) {
      assign(this, node.targets[0], value, frame);
      return;
    }
    this._emitLine(`lineno = ${node.lineno}; colno = ${node.colno};`);
    this._emitLine(`${value} = runtime.pyUnpack(${value}, ${node.targets.length});`);
    node.targets.forEach((target: any, i: number) => assign(this, target, `${value}[${i}]`, frame));
  };
  function assign(compiler: any, target: any, value: string, frame: any): void {
    if (target instanceof nodes.LookupVal) {
      compiler._emit(`lineno = ${target.lineno}; colno = ${target.colno}; runtime.pySetItem(`);
      compiler._compileExpression(target.target, frame);
      compiler._emit(', ');
      compiler._compileExpression(target.val, frame);
      compiler._emitLine(`, ${value});`);
      return;
    }
    if (!(target instanceof nodes.Symbol)) compiler.fail('set: can only assign to names and attributes', target.lineno, target.colno);
    const name = JSON.stringify(target.value);
    let id = frame.lookup(target.value);
    if (id === null || id === undefined) {
      id = compiler._tmpid();
      compiler._emitLine(`var ${id};`);
    }
    compiler._emitLine(`${id} = ${value};`);
    compiler._emitLine(`frame.set(${name}, ${id}, true);`);
    compiler._emitLine(`if(frame.topLevel) { context.setVariable(${name}, ${id}); }`);
    if (!target.value.startsWith('_')) compiler._emitLine(`if(frame.topLevel) { context.addExport(${name}, ${id}); }`);
  }

  // Macros and call blocks: as nunjucks compiles them, plus `varargs` and `kwargs` (the extra
  // positional and keyword arguments) bound when the body mentions them.
  proto._compileMacro = function (this: any, node: any, frame: any) {
    const params = node.args.children as any[];
    const last = params[params.length - 1];
    const defaults: any[] = last instanceof nodes.Dict ? last.children : [];
    const positional = last instanceof nodes.Dict ? params.slice(0, -1) : params;
    for (const param of positional) this.assertType(param, nodes.Symbol);
    for (const pair of defaults) {
      if (!(pair instanceof nodes.Pair)) this.fail('macro parameters cannot be **kwargs: use the kwargs variable', pair.lineno, pair.colno);
    }
    const funcId = 'macro_' + this._tmpid();
    const keepFrame = frame !== undefined;
    const mentioned = new Set((node.body.findAll(nodes.Symbol) as any[]).map((symbol) => symbol.value));
    const innerFrame = keepFrame ? frame.push(true) : new runtime.Frame();
    this._emitLines(
      `var ${funcId} = runtime.makeMacro(`,
      `${JSON.stringify(positional.map((p) => p.value))}, `,
      `${JSON.stringify(defaults.map((pair) => pair.key.value))}, `,
      `function (${[...positional.map((p) => `l_${p.value}`), 'kwargs', 'varargs', 'extraKwargs'].join(', ')}) {`,
      'var callerFrame = frame;',
      keepFrame ? 'frame = frame.push(true);' : 'frame = new runtime.Frame();',
      'kwargs = kwargs || {};',
      'if (Object.prototype.hasOwnProperty.call(kwargs, "caller")) { frame.set("caller", kwargs.caller); }',
    );
    if (mentioned.has('varargs')) this._emitLine('frame.set("varargs", varargs);');
    if (mentioned.has('kwargs')) this._emitLine('frame.set("kwargs", extraKwargs);');
    for (const param of positional) {
      this._emitLine(`frame.set(${JSON.stringify(param.value)}, l_${param.value});`);
      innerFrame.set(param.value, `l_${param.value}`);
    }
    for (const pair of defaults) {
      const name = JSON.stringify(pair.key.value);
      this._emit(`frame.set(${name}, Object.prototype.hasOwnProperty.call(kwargs, ${name}) ? kwargs[${name}] : `);
      this._compileExpression(pair.value, innerFrame);
      this._emit(');');
    }
    const bufferId = this._pushBuffer();
    // The position inside the macro's own file where an error happened (nunjucks reports only the
    // position in the template being rendered): `lineno`/`colno` are the macro file's, 0-based.
    this._emitLine('try {');
    this._withScopedSyntax(() => this.compile(node.body, innerFrame));
    this._emitLine('} catch (e) { runtime.markMacroError(e, lineno, colno); throw e; }');
    this._emitLine(keepFrame ? 'frame = frame.pop();' : 'frame = callerFrame;');
    this._emitLine(`return new runtime.SafeString(${bufferId});`);
    this._emitLine('});');
    this._popBuffer();
    return funcId;
  };
}
