/**
 * The Jinja dialect's lexer and parser (see jinja-dialect.ts): Python string escapes and constants,
 * trailing commas, `*args`/`**kwargs`, tuples, expression dict keys, slices, `is` tests with bare
 * arguments, loop controls and filters, `namespace` attributes, set unpacking, `a if x else b if y else c`.
 */
import type { NunjucksInternals } from './jinja-dialect.js';

export type DialectNodes = ReturnType<typeof defineNodes>;

export function defineNodes(nodes: any) {
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

export function patchParser({ parser: { Parser }, nodes, lexer }: NunjucksInternals, dialect: DialectNodes): void {
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

export function outsideLoops<T>(parser: any, parse: () => T): T {
  const depth = parser.dialectLoopDepth;
  parser.dialectLoopDepth = 0;
  try {
    return parse();
  } finally {
    parser.dialectLoopDepth = depth;
  }
}
