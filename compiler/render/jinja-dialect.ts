/**
 * Teaches nunjucks the Jinja2 dialect dbt projects and packages are written in: trailing commas,
 * `*args`/`**kwargs` in calls, `varargs`/`kwargs` in macros, expression dict keys, tuples, `namespace()`
 * with `{% set ns.x = … %}`, `{% set a, b = … %}`, `{% break %}`/`{% continue %}`, `{% do %}`,
 * `{% with %}`, loop filters, `is` tests with bare arguments, slices, Python string escapes, Python
 * truthiness, methods and operators, `return()` in macros.
 *
 * Every change to nunjucks' lexer, parser, compiler and runtime lives here (filters and tests in
 * jinja-filters.ts, Python semantics in python-methods.ts). The patches are made once per process, at
 * install; a render does no extra work beyond the helpers its compiled code calls.
 */
import { keepFunctionMembers } from './dbt-context/function-members.js';
import { JINJA_FILTERS, JINJA_TESTS } from './jinja-filters.js';
import {
  isMapping,
  methodOf,
  pyAdd,
  pySub,
  pyConcat,
  pyEq,
  pyMod,
  pyMul,
  pySlice,
  printsAsPython,
  pyStr,
  pyTruthy,
} from './python-methods.js';

/** Thrown by `return(x)` inside a macro and caught at the macro's boundary, as in dbt. */
export class MacroReturn {
  constructor(readonly value: unknown) {}
}

/** The parts of the nunjucks module this file extends (its internals have no published types). */
interface NunjucksInternals {
  runtime: any;
  nodes: any;
  lexer: any;
  parser: { Parser: any };
  compiler: { Compiler: any };
}

/** The part of a nunjucks Environment the dialect registers things on. */
export interface DialectEnvironment {
  addFilter(name: string, filter: (...args: any[]) => unknown): unknown;
  addTest(name: string, test: (...args: any[]) => unknown): unknown;
  addGlobal(name: string, value: unknown): unknown;
  addExtension(name: string, extension: unknown): unknown;
}

/** `{% do expr %}`: evaluates an expression for its effect (`{% do cols.append(c) %}`). */
class DoExtension {
  tags = ['do'];
  parse(parser: any, nodes: any) {
    const token = parser.nextToken();
    const args = parser.parseSignature(null, true);
    parser.advanceAfterBlockEnd(token.value);
    return new nodes.CallExtension(this, 'run', args);
  }
  run(): string {
    return '';
  }
}

/**
 * `namespace(a=1)`: an object whose attributes `{% set ns.a = … %}` may change from inside loops; also
 * `dict(other, k=v)` and `dict([('k', v)])`.
 */
function namespace(...args: unknown[]): Record<string, unknown> {
  const ns: Record<string, unknown> = {};
  for (const arg of args) {
    const entries = Array.isArray(arg) ? (arg as Array<[string, unknown]>) : isMapping(arg) ? Object.entries(arg) : [];
    for (const [key, value] of entries) if (key !== '__keywords') ns[key] = value;
  }
  return ns;
}

const installed = new WeakSet<object>();

/**
 * Installs the dialect: the parser, compiler and runtime patches once per nunjucks module, then the
 * Jinja filters, tests, globals and the `do` tag on `env`.
 *
 * @example
 * const env = new nunjucks.Environment(null, { autoescape: false });
 * installJinjaDialect(nunjucks, env);
 * env.renderString("{{ 'a,b'.split(',')[-1] }}", {}); // 'b'
 */
export function installJinjaDialect(nunjucks: object, env: DialectEnvironment): void {
  if (!installed.has(nunjucks)) {
    installed.add(nunjucks);
    const internals = nunjucks as unknown as NunjucksInternals;
    const dialectNodes = defineNodes(internals.nodes);
    patchParser(internals, dialectNodes);
    patchCompiler(internals, dialectNodes);
    patchRuntime(internals.runtime);
    // Last, over the dialect's memberLookup: `modules.datetime.datetime.now` keeps its members.
    keepFunctionMembers(internals.runtime as unknown as Parameters<typeof keepFunctionMembers>[0]);
  }
  for (const [name, filter] of Object.entries(JINJA_FILTERS)) env.addFilter(name, filter);
  for (const [name, test] of Object.entries(JINJA_TESTS)) env.addTest(name, test);
  env.addGlobal('namespace', namespace);
  env.addGlobal('dict', namespace);
  env.addExtension('do', new DoExtension());
}

type DialectNodes = ReturnType<typeof defineNodes>;

function defineNodes(nodes: any) {
  const DialectNode = nodes.Node.extend('DialectNode', { fields: [] });
  return {
    DialectNode,
    /** `*xs` in a call's arguments. */
    StarArgs: DialectNode.extend('StarArgs', { fields: ['target'] }),
    /** `**d` in a call's arguments (a child of the call's KeywordArgs). */
    StarStarArgs: DialectNode.extend('StarStarArgs', { fields: ['target'] }),
    /** A dict literal's key that is an expression (`{k | lower: v}`), not a string. */
    ComputedKey: DialectNode.extend('ComputedKey', { fields: ['expr'] }),
    /** `x[start:stop:step]` */
    Slice: DialectNode.extend('Slice', { fields: ['target', 'start', 'stop', 'step'] }),
    /** `{% break %}` or `{% continue %}` */
    LoopControl: DialectNode.extend('LoopControl', { fields: ['keyword'] }),
    /** A condition, true or false as Python decides (`[]`, `{}` and empty macro output are false). */
    Truthy: DialectNode.extend('Truthy', { fields: ['expr'] }),
    /** The iterable of a one-name `for`: a dict's keys instead of the dict. */
    ForIterable: DialectNode.extend('ForIterable', { fields: ['arr'] }),
    /** `{% with a = 1 %}…{% endwith %}`: names visible in the body only. */
    With: DialectNode.extend('With', { fields: ['assignments', 'body'] }),
    /** The iterable of `{% for x in xs if cond %}`: xs filtered by cond. */
    LoopFilter: DialectNode.extend('LoopFilter', { fields: ['name', 'arr', 'cond'] }),
  };
}

const KEYWORD_CONSTANTS: Record<string, boolean | null> = { True: true, False: false, None: null };
const TEST_NAME_OF_TOKEN: Record<string, string> = { none: 'none', null: 'none', true: 'true', false: 'false', True: 'true', False: 'false', None: 'none' };
/** Words after `x is test` that end the test instead of being its argument. */
const NOT_A_TEST_ARGUMENT = new Set(['and', 'or', 'else', 'if', 'in', 'not', 'is']);

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v',
};
const HEX_ESCAPE_DIGITS: Record<string, number> = { x: 2, u: 4, U: 8 };

/**
 * String literals with Python's escapes: `\x41`, `\u00e9`, octal, and an unknown escape such as
 * `\d` kept as written (nunjucks dropped the backslash, which broke regular expressions in templates).
 */
function patchLexer(lexer: any): void {
  const tokenizer = Object.getPrototypeOf(lexer.lex('', {}));
  tokenizer._parseString = function (this: any, delimiter: string) {
    this.forward();
    let text = '';
    while (!this.isFinished() && this.current() !== delimiter) {
      const cur = this.current();
      this.forward();
      if (cur !== '\\') {
        text += cur;
        continue;
      }
      const next = this.current();
      const digits = HEX_ESCAPE_DIGITS[next];
      const hex = digits === undefined ? '' : this.str.substr(this.index + 1, digits);
      if (Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, next)) {
        text += SIMPLE_ESCAPES[next];
        this.forward();
      } else if (digits !== undefined && hex.length === digits && /^[0-9a-fA-F]+$/.test(hex)) {
        text += String.fromCodePoint(parseInt(hex, 16));
        this.forwardN(digits + 1);
      } else if (/^[0-7]$/.test(next)) {
        let octal = '';
        while (octal.length < 3 && /^[0-7]$/.test(this.current())) {
          octal += this.current();
          this.forward();
        }
        text += String.fromCharCode(parseInt(octal, 8));
      } else if (next === '\n') {
        this.forward();
      } else {
        text += '\\';
      }
    }
    this.forward();
    return text;
  };
}

function patchParser({ parser: { Parser }, nodes, lexer }: NunjucksInternals, dialect: DialectNodes): void {
  patchLexer(lexer);
  const proto = Parser.prototype;
  const closing = (type: string) =>
    type === lexer.TOKEN_RIGHT_PAREN || type === lexer.TOKEN_RIGHT_BRACKET || type === lexer.TOKEN_RIGHT_CURLY;

  // `a if x else b if y else c`: Jinja's else branch is itself a conditional expression.
  proto.parseInlineIf = function parseInlineIf(this: any) {
    let node = this.parseOr();
    if (this.skipSymbol('if')) {
      const cond = this.parseOr();
      const body = node;
      node = new nodes.InlineIf(node.lineno, node.colno);
      node.body = body;
      node.cond = cond;
      node.else_ = this.skipSymbol('else') ? this.parseInlineIf() : null;
    }
    return node;
  };

  // Call arguments: trailing comma, `*xs`, `**d`.
  proto.parseSignature = function parseSignature(this: any, tolerant: boolean, noParens: boolean) {
    let tok = this.peekToken();
    if (!noParens && tok.type !== lexer.TOKEN_LEFT_PAREN) {
      if (tolerant) return null;
      this.fail('expected arguments', tok.lineno, tok.colno);
    }
    if (tok.type === lexer.TOKEN_LEFT_PAREN) tok = this.nextToken();
    const args = new nodes.NodeList(tok.lineno, tok.colno);
    const kwargs = new nodes.KeywordArgs(tok.lineno, tok.colno);
    let first = true;
    for (;;) {
      tok = this.peekToken();
      if (!noParens && tok.type === lexer.TOKEN_RIGHT_PAREN) {
        this.nextToken();
        break;
      }
      if (noParens && tok.type === lexer.TOKEN_BLOCK_END) break;
      if (!first) {
        if (!this.skip(lexer.TOKEN_COMMA)) this.fail('parseSignature: expected comma after expression', tok.lineno, tok.colno);
        if (!noParens && this.peekToken().type === lexer.TOKEN_RIGHT_PAREN) {
          this.nextToken();
          break;
        }
      }
      first = false;
      const star = this.peekToken();
      if (star.type === lexer.TOKEN_OPERATOR && (star.value === '*' || star.value === '**')) {
        this.nextToken();
        const target = this.parseExpression();
        if (star.value === '*') args.addChild(new dialect.StarArgs(star.lineno, star.colno, target));
        else kwargs.addChild(new dialect.StarStarArgs(star.lineno, star.colno, target));
        continue;
      }
      const arg = this.parseExpression();
      if (this.skipValue(lexer.TOKEN_OPERATOR, '=')) {
        kwargs.addChild(new nodes.Pair(arg.lineno, arg.colno, arg, this.parseExpression()));
      } else {
        args.addChild(arg);
      }
    }
    if (kwargs.children.length) args.addChild(kwargs);
    return args;
  };

  // Lists, dicts and tuples: trailing commas, expression keys, `(a, b)` and `(a,)` as tuples.
  proto.parseAggregate = function parseAggregate(this: any) {
    const tok = this.nextToken();
    let node: any;
    if (tok.type === lexer.TOKEN_LEFT_PAREN) node = new nodes.Group(tok.lineno, tok.colno);
    else if (tok.type === lexer.TOKEN_LEFT_BRACKET) node = new nodes.Array(tok.lineno, tok.colno);
    else if (tok.type === lexer.TOKEN_LEFT_CURLY) node = new nodes.Dict(tok.lineno, tok.colno);
    else return null;
    let sawComma = false;
    for (;;) {
      if (closing(this.peekToken().type)) {
        this.nextToken();
        break;
      }
      if (node.children.length > 0) {
        if (!this.skip(lexer.TOKEN_COMMA)) this.fail('parseAggregate: expected comma after expression', tok.lineno, tok.colno);
        sawComma = true;
        if (closing(this.peekToken().type)) {
          this.nextToken();
          break;
        }
      }
      if (node instanceof nodes.Dict) {
        const key = this.parseExpression();
        if (!this.skip(lexer.TOKEN_COLON)) this.fail('parseAggregate: expected colon after dict key', tok.lineno, tok.colno);
        const value = this.parseExpression();
        const isStringKey = key instanceof nodes.Literal && typeof key.value === 'string';
        node.addChild(new nodes.Pair(key.lineno, key.colno, isStringKey ? key : new dialect.ComputedKey(key.lineno, key.colno, key), value));
      } else {
        node.addChild(this.parseExpression());
      }
    }
    if (node instanceof nodes.Group && (node.children.length !== 1 || sawComma)) {
      return new nodes.Array(tok.lineno, tok.colno, node.children);
    }
    return node;
  };

  // `x[i]` with negative indexes (runtime), and slices `x[a:b:c]`; `x.0` as an item lookup.
  proto.parsePostfix = function parsePostfix(this: any, node: any) {
    let tok = this.peekToken();
    while (tok) {
      if (tok.type === lexer.TOKEN_LEFT_PAREN) {
        node = new nodes.FunCall(tok.lineno, tok.colno, node, this.parseSignature());
      } else if (tok.type === lexer.TOKEN_LEFT_BRACKET) {
        node = parseSubscript(this, node);
      } else if (tok.type === lexer.TOKEN_OPERATOR && tok.value === '.') {
        this.nextToken();
        const val = this.nextToken();
        if (val.type === lexer.TOKEN_SYMBOL) {
          node = new nodes.LookupVal(tok.lineno, tok.colno, node, new nodes.Literal(val.lineno, val.colno, val.value));
        } else if (val.type === lexer.TOKEN_INT) {
          node = new nodes.LookupVal(tok.lineno, tok.colno, node, new nodes.Literal(val.lineno, val.colno, parseInt(val.value, 10)));
        } else {
          this.fail('expected name as lookup value, got ' + val.value, val.lineno, val.colno);
        }
      } else {
        break;
      }
      tok = this.peekToken();
    }
    return node;
  };

  function parseSubscript(parser: any, target: any) {
    const open = parser.nextToken();
    const parts: any[] = [null, null, null];
    let colons = 0;
    for (;;) {
      const tok = parser.peekToken();
      if (!tok) parser.fail('expected ], got end of file', open.lineno, open.colno);
      if (tok.type === lexer.TOKEN_RIGHT_BRACKET) {
        parser.nextToken();
        break;
      }
      if (tok.type === lexer.TOKEN_COLON) {
        parser.nextToken();
        if (++colons > 2) parser.fail('invalid slice: too many colons', tok.lineno, tok.colno);
        continue;
      }
      if (parts[colons] !== null) parser.fail('invalid index: expected ] or :', tok.lineno, tok.colno);
      parts[colons] = parser.parseExpression();
    }
    if (colons === 0) {
      if (parts[0] === null) parser.fail('invalid index: empty []', open.lineno, open.colno);
      return new nodes.LookupVal(open.lineno, open.colno, target, parts[0]);
    }
    return new dialect.Slice(open.lineno, open.colno, target, parts[0], parts[1], parts[2]);
  }

  // `True`, `False`, `None` are constants, and adjacent string literals are one string, as in Python.
  const parsePrimary = proto.parsePrimary;
  proto.parsePrimary = function (this: any, noPostfix: boolean) {
    const tok = this.peekToken();
    let node: any;
    if (tok && tok.type === lexer.TOKEN_SYMBOL && Object.prototype.hasOwnProperty.call(KEYWORD_CONSTANTS, tok.value)) {
      this.nextToken();
      node = new nodes.Literal(tok.lineno, tok.colno, KEYWORD_CONSTANTS[tok.value]);
    } else if (tok && tok.type === lexer.TOKEN_STRING) {
      this.nextToken();
      let text = tok.value;
      while (this.peekToken()?.type === lexer.TOKEN_STRING) text += this.nextToken().value;
      node = new nodes.Literal(tok.lineno, tok.colno, text);
    } else {
      return parsePrimary.call(this, noPostfix);
    }
    return noPostfix ? node : this.parsePostfix(node);
  };

  // `x is test`, `x is test(arg)`, `x is test arg`, `x is not none`, `x is true`.
  proto.parseIs = function parseIs(this: any) {
    let node = this.parseCompare();
    if (!this.skipSymbol('is')) return node;
    const negated = this.skipSymbol('not');
    const nameTok = this.nextToken();
    if (!nameTok || ![lexer.TOKEN_SYMBOL, lexer.TOKEN_NONE, lexer.TOKEN_BOOLEAN].includes(nameTok.type)) {
      this.fail('expected a test name after "is"', nameTok?.lineno ?? node.lineno, nameTok?.colno ?? node.colno);
    }
    const name = TEST_NAME_OF_TOKEN[nameTok.value] ?? nameTok.value;
    let args = new nodes.NodeList(nameTok.lineno, nameTok.colno);
    const next = this.peekToken();
    if (next && next.type === lexer.TOKEN_LEFT_PAREN) {
      args = this.parseSignature();
    } else if (next && startsTestArgument(next)) {
      args.addChild(this.parsePrimary());
    }
    const test = new nodes.FunCall(nameTok.lineno, nameTok.colno, new nodes.Symbol(nameTok.lineno, nameTok.colno, name), args);
    node = new nodes.Is(node.lineno, node.colno, node, test);
    return negated ? new nodes.Not(node.lineno, node.colno, node) : node;
  };

  function startsTestArgument(tok: any): boolean {
    switch (tok.type) {
      case lexer.TOKEN_SYMBOL: return !NOT_A_TEST_ARGUMENT.has(tok.value);
      case lexer.TOKEN_STRING: case lexer.TOKEN_INT: case lexer.TOKEN_FLOAT: case lexer.TOKEN_BOOLEAN:
      case lexer.TOKEN_NONE: case lexer.TOKEN_LEFT_BRACKET: case lexer.TOKEN_LEFT_CURLY:
        return true;
      default: return false;
    }
  }

  // `{% set a, b = 1, 2 %}` and `{% set ns.x = … %}` (the targets' kinds are checked when compiling).
  proto.parseSet = function parseSet(this: any) {
    const tag = this.peekToken();
    if (!this.skipSymbol('set')) this.fail('parseSet: expected set', tag.lineno, tag.colno);
    const node = new nodes.Set(tag.lineno, tag.colno, []);
    let target;
    while ((target = this.parsePrimary())) {
      node.targets.push(target);
      if (!this.skip(lexer.TOKEN_COMMA)) break;
    }
    if (!this.skipValue(lexer.TOKEN_OPERATOR, '=')) {
      if (!this.skip(lexer.TOKEN_BLOCK_END)) this.fail('parseSet: expected = or block end in set tag', tag.lineno, tag.colno);
      node.body = new nodes.Capture(tag.lineno, tag.colno, outsideLoops(this, () => this.parseUntilBlocks('endset')));
      node.value = null;
      this.advanceAfterBlockEnd();
      return node;
    }
    let value = this.parseExpression();
    if (this.peekToken().type === lexer.TOKEN_COMMA) {
      const tuple = new nodes.Array(value.lineno, value.colno, [value]);
      while (this.skip(lexer.TOKEN_COMMA)) {
        if (this.peekToken().type === lexer.TOKEN_BLOCK_END) break;
        tuple.addChild(this.parseExpression());
      }
      value = tuple;
    }
    node.value = value;
    this.advanceAfterBlockEnd(tag.value);
    return node;
  };

  // `{% break %}` and `{% continue %}`, only where a JavaScript loop encloses them once compiled.
  const parseStatement = proto.parseStatement;
  proto.parseStatement = function (this: any) {
    const tok = this.peekToken();
    if (tok && tok.type === lexer.TOKEN_SYMBOL && (tok.value === 'break' || tok.value === 'continue')) {
      if (!this.dialectLoopDepth) this.fail(`'${tok.value}' outside of a for loop`, tok.lineno, tok.colno);
      this.nextToken();
      this.advanceAfterBlockEnd(tok.value);
      return new dialect.LoopControl(tok.lineno, tok.colno, tok.value);
    }
    if (tok && tok.type === lexer.TOKEN_SYMBOL && tok.value === 'with') return parseWith(this);
    return parseStatement.call(this);
  };
  function parseWith(parser: any) {
    const tag = parser.nextToken();
    const assignments = new nodes.NodeList(tag.lineno, tag.colno);
    while (parser.peekToken().type !== lexer.TOKEN_BLOCK_END) {
      if (assignments.children.length > 0 && !parser.skip(lexer.TOKEN_COMMA)) parser.fail('with: expected comma', tag.lineno, tag.colno);
      const name = parser.parsePrimary(true);
      if (!(name instanceof nodes.Symbol)) parser.fail('with: expected a name', name.lineno, name.colno);
      if (!parser.skipValue(lexer.TOKEN_OPERATOR, '=')) parser.fail('with: expected =', name.lineno, name.colno);
      assignments.addChild(new nodes.Pair(name.lineno, name.colno, name, parser.parseExpression()));
    }
    parser.advanceAfterBlockEnd('with');
    const body = parser.parseUntilBlocks('endwith');
    parser.advanceAfterBlockEnd();
    return new dialect.With(tag.lineno, tag.colno, assignments, body);
  }
  const parseFor = proto.parseFor;
  proto.parseFor = function (this: any) {
    this.dialectLoopDepth = (this.dialectLoopDepth ?? 0) + 1;
    try {
      return parseFor.call(this);
    } finally {
      this.dialectLoopDepth--;
    }
  };
  // Bodies compiled into functions of their own: a loop outside them does not enclose them.
  for (const method of ['parseMacro', 'parseCall', 'parseFilterStatement']) {
    const original = proto[method];
    proto[method] = function (this: any) {
      return outsideLoops(this, () => original.call(this));
    };
  }
}

function outsideLoops<T>(parser: any, parse: () => T): T {
  const depth = parser.dialectLoopDepth;
  parser.dialectLoopDepth = 0;
  try {
    return parse();
  } finally {
    parser.dialectLoopDepth = depth;
  }
}

const LOOP_NEIGHBOURS = new Set(['cycle', 'previtem', 'nextitem', 'changed', 'depth', 'depth0']);

function patchCompiler({ compiler: { Compiler }, nodes, runtime }: NunjucksInternals, dialect: DialectNodes): void {
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

/** Where inside a macro's file an error was raised (1-based), kept on the error by the innermost macro. */
export const MACRO_ERROR_POSITION = Symbol.for('strata.macroErrorPosition');

function markMacroError(error: unknown, lineno: number, colno: number): void {
  if (error && typeof error === 'object' && !(MACRO_ERROR_POSITION in error) && !(error instanceof MacroReturn)) {
    Object.defineProperty(error, MACRO_ERROR_POSITION, { value: { line: lineno + 1, column: colno + 1 }, enumerable: false });
  }
}

function patchRuntime(runtime: any): void {
  const memberLookup = runtime.memberLookup;
  // `x.attr` of undefined is undefined; Python methods on str, list and dict; negative indexes. A plain
  // object (the common case: `this.schema`, `node.config`) is read once, methods looked for only when
  // it has no such member.
  runtime.memberLookup = function (obj: any, key: unknown) {
    if (obj === undefined || obj === null) return undefined;
    if (typeof obj === 'object' && !Array.isArray(obj) && !(obj instanceof String)) {
      const value = obj[key as string];
      if (value === undefined) return typeof key === 'string' ? methodOf(obj, key) : undefined;
      return typeof value === 'function' ? (...args: unknown[]) => value.apply(obj, args) : value;
    }
    if (obj instanceof String) obj = String(obj);
    if (typeof key === 'string') {
      const method = methodOf(obj, key);
      if (method !== undefined) return method;
    } else if (typeof key === 'number' && key < 0 && (typeof obj === 'string' || Array.isArray(obj))) {
      return obj[obj.length + key];
    }
    return memberLookup(obj, key);
  };

  // `{{ [1, 'a'] }}` prints `[1, 'a']` and a dict `{'k': 1}`, as Python does (not `1,a` or
  // `[object Object]`); every other value prints as before.
  const suppressValue = runtime.suppressValue;
  runtime.suppressValue = function (value: unknown, autoescape: boolean) {
    return suppressValue(printsAsPython(value) ? pyStr(value) : value, autoescape);
  };

  runtime.makeMacro = makeMacro;
  runtime.markMacroError = markMacroError;
  runtime.pyAdd = pyAdd;
  runtime.pySub = pySub;
  runtime.pyMul = pyMul;
  runtime.pyMod = pyMod;
  runtime.pyConcat = pyConcat;
  runtime.pyEq = pyEq;
  runtime.pyCompareChain = (values: any[], ops: string[]): boolean =>
    ops.every((op, i) => {
      const [a, b] = [values[i], values[i + 1]];
      switch (op) {
        case '==': return pyEq(a, b);
        case '!=': return !pyEq(a, b);
        case '<': return a < b;
        case '>': return a > b;
        case '<=': return a <= b;
        case '>=': return a >= b;
        case '===': return a === b;
        default: return a !== b;
      }
    });
  runtime.pySlice = pySlice;
  runtime.pyIterable = (value: unknown): unknown[] => {
    if (value === null || value === undefined) return [];
    if (Array.isArray(value)) return value;
    if (typeof value === 'string' || typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') return Array.from(value as Iterable<unknown>);
    return Object.keys(value as object);
  };
  runtime.pyTruthy = pyTruthy;
  runtime.pyAnd = (left: unknown, right: () => unknown) => (pyTruthy(left) ? right() : left);
  runtime.pyOr = (left: unknown, right: () => unknown) => (pyTruthy(left) ? left : right());
  runtime.pyForIterable = (items: unknown): unknown =>
    isMapping(items) && typeof (items as any)[Symbol.iterator] !== 'function' ? Object.keys(items) : items;
  runtime.pyLoopFilter = (items: unknown, pairs: boolean, keep: (item: unknown) => unknown): unknown[] => {
    let list: unknown[];
    if (items === null || items === undefined) list = [];
    else if (Array.isArray(items)) list = items;
    else if (typeof (items as Iterable<unknown>)[Symbol.iterator] === 'function') list = Array.from(items as Iterable<unknown>);
    else list = pairs ? Object.entries(items as object) : Object.keys(items as object);
    return list.filter((item) => keep(item));
  };
  runtime.pyLoopNeighbours = (frame: any, items: unknown, i: number): void => {
    const loop = frame.variables.loop;
    loop.cycle = (...values: unknown[]) => values[i % values.length];
    loop.depth = 1;
    loop.depth0 = 0;
    if (i === 0) delete loop.lastChanged;
    loop.changed = (...values: unknown[]) => {
      const changed = !('lastChanged' in loop) || !pyEq(loop.lastChanged, values);
      loop.lastChanged = values;
      return changed;
    };
    if (Array.isArray(items)) {
      loop.previtem = i > 0 ? items[i - 1] : undefined;
      loop.nextitem = items[i + 1];
    }
  };
  runtime.pySetItem = (target: any, key: string, value: unknown): void => {
    if (target === null || target === undefined || typeof target !== 'object') {
      throw new Error(`cannot set attribute '${key}' of ${target === undefined ? 'an undefined value' : typeof target}`);
    }
    target[key] = value;
  };
  runtime.pyUnpack = (value: unknown, count: number): unknown[] => {
    const list = Array.isArray(value) ? value : value === null || value === undefined ? [] : Array.from(value as Iterable<unknown>);
    if (list.length !== count) throw new Error(`cannot unpack ${list.length} values into ${count} names`);
    return list;
  };
}

/**
 * Calls a compiled macro body with Jinja's argument rules: positional arguments fill the parameters,
 * then the ones with defaults; keyword arguments fill any parameter by name; what is left over goes to
 * `varargs` and `kwargs`. A `return(x)` inside ends the macro with the value x.
 */
function makeMacro(argNames: string[], kwargNames: string[], body: (...args: unknown[]) => unknown) {
  const declared = argNames.length + kwargNames.length;
  return function macro(this: unknown, ...callArgs: unknown[]) {
    let count = callArgs.length;
    const last = callArgs[count - 1] as Record<string, unknown> | undefined;
    const given = last && typeof last === 'object' && Object.prototype.hasOwnProperty.call(last, '__keywords') ? last : undefined;
    if (given) count--;
    const args: unknown[] = new Array(argNames.length);
    const kwargs: Record<string, unknown> = {};
    for (let i = 0; i < count && i < declared; i++) {
      if (i < argNames.length) args[i] = callArgs[i];
      else kwargs[kwargNames[i - argNames.length]!] = callArgs[i];
    }
    const varargs = count > declared ? callArgs.slice(declared, count) : [];
    const extra: Record<string, unknown> = {};
    if (given) {
      for (const key of Object.keys(given)) {
        if (key === '__keywords') continue;
        const at = argNames.indexOf(key);
        if (at >= 0) args[at] = given[key];
        else if (key === 'caller' || kwargNames.includes(key)) kwargs[key] = given[key];
        else extra[key] = given[key];
      }
    }
    try {
      return body.apply(this, [...args, kwargs, varargs, extra]);
    } catch (error) {
      if (error instanceof MacroReturn) return error.value;
      throw error;
    }
  };
}
