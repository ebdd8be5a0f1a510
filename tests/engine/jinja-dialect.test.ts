/**
 * The Jinja2 dialect nunjucks is taught (compiler/render/jinja-dialect.ts): one row per construct,
 * template → output, so a regression names the construct. Pure: no project, no database.
 */
import { describe, expect, it } from 'vitest';
import { createEnvironment, templateErrorToDiagnostic } from '../../compiler/render/nunjucks-env.js';
import { Renderer } from '../../compiler/render/renderer.js';
import type { RenderScope } from '../../compiler/render/render-scope.js';

const env = createEnvironment();
const render = (template: string, context: object = {}) => env.compile(template, 'test.sql').render(context);

class Host {
  n = 1;
  greet(name: string) {
    return `hi ${name}`;
  }
}
const HOST = new Host();

type Row = [construct: string, template: string, expected: string];

const SYNTAX: Row[] = [
  ['trailing comma in a call', "{% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m(1, 2,) }}", '12'],
  ['trailing comma in keyword args', "{% macro m(a, b=0) %}{{ a }}{{ b }}{% endmacro %}{{ m(a=1, b=2,) }}", '12'],
  ['trailing comma in a list', '{{ [1, 2,] | length }}', '2'],
  ['trailing comma in a dict', "{{ {'a': 1,}.a }}", '1'],
  ['tuple', '{% set t = (1, 2) %}{{ t | length }}{{ t[1] }}', '22'],
  ['one-element tuple', '{{ (1,) | length }}', '1'],
  ['empty tuple', '{{ () | length }}', '0'],
  ['group is not a tuple', '{{ (1 + 2) * 3 }}', '9'],
  ['*args in a call', '{% macro m(a, b) %}{{ a }}-{{ b }}{% endmacro %}{{ m(*[1, 2]) }}', '1-2'],
  ['**kwargs in a call', "{% macro m(a, b) %}{{ a }}-{{ b }}{% endmacro %}{{ m(**{'a': 1, 'b': 2}) }}", '1-2'],
  ['positional, *args, keyword, **kwargs', "{% macro m(a, b, c, k=0, z=0) %}{{ [a, b, c, k, z] | join(',') }}{% endmacro %}{{ m(1, *[2, 3], k=4, **{'z': 5}) }}", '1,2,3,4,5'],
  ['*args into a filter', "{{ 'a-b' | replace(*['-', '+']) }}", 'a+b'],
  ['varargs in a macro', '{% macro m(a) %}{{ a }}:{{ varargs | join(",") }}{% endmacro %}{{ m(1, 2, 3) }}', '1:2,3'],
  ['kwargs in a macro', "{% macro m(a) %}{{ a }}:{{ kwargs | dictsort | map('join', '=') | join(',') }}{% endmacro %}{{ m(1, y=2, x=3) }}", '1:x=3,y=2'],
  ['extra args without varargs/kwargs do not fail', '{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2, q=3) }}', '1'],
  ['positional fills defaults', '{% macro m(a, b=2, c=3) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1, 5) }}', '153'],
  ['keyword fills positional', '{% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m(b=2, a=1) }}', '12'],
  ['dict key: method call', "{% set k = 'Key' %}{{ {k.lower(): 1} | tojson }}", '{"key": 1}'],
  ['dict key: filter', "{% set k = 'Key' %}{{ {k | upper: 1} | tojson }}", '{"KEY": 1}'],
  ['dict key: parenthesised concat', "{% set a, b = 'x', 'y' %}{{ {(a ~ b): 1} | tojson }}", '{"xy": 1}'],
  ['dict key: number', "{% set d = {1: 'one', 2: 'two'} %}{{ d[2] }}", 'two'],
  ['dict key: variable', "{% set k = 'v' %}{{ {k: 1} | tojson }}", '{"v": 1}'],
  ['string literal spanning lines', "{{ 'a\nb' }}", 'a\nb'],
  ['conditional expression in an else branch', "{% set x = 2 %}{{ 'a' if x == 1 else 'b' if x == 2 else 'c' }}", 'b'],
  ['method called on a string literal spanning lines', "{{ '{}\n{} \\\\\n'.format(1, 2) }}", '1\n2 \\\n'],
  ['adjacent string literals', "{{ 'a' \"b\"\n 'c' }}", 'abc'],
  ['Python escapes in strings', "{{ '\\d+\\.\\x41\\u00e9\\t|\\'' }}", "\\d+\\.Aé\t|'"],
  ['None True False', '{{ None is none }} {{ True }} {{ False }}', 'true true false'],
  ['none true false', '{{ none is none }} {{ true }} {{ false }}', 'true true false'],
  ['slice x[1:]', "{{ 'abcd'[1:] }} {{ [1, 2, 3][1:] | join(',') }}", 'bcd 2,3'],
  ['slice x[:-1]', "{{ 'abcd'[:-1] }} {{ [1, 2, 3][:-1] | join(',') }}", 'abc 1,2'],
  ['slice x[::2]', "{{ 'abcd'[::2] }} {{ [1, 2, 3][::2] | join(',') }}", 'ac 1,3'],
  ['slice x[::-1]', "{{ 'abc'[::-1] }}", 'cba'],
  ['negative index', "{{ 'a.b.c'.split('.')[-1] }} {{ [1, 2, 3][-2] }}", 'c 2'],
  ['x.0 item lookup', '{% set xs = [5, 6] %}{{ xs.0 }}{{ xs.1 }}', '56'],
  ['attribute of undefined', '{{ nothing.attr.deeper }}|{{ nothing.attr is defined }}', '|false'],
  ['list == list', '{{ [1, 2] == [1, 2] }} {{ [1, 2] != [1, 3] }}', 'true true'],
  ['dict == dict', "{{ {'a': [1]} == {'a': [1]} }} {{ {'a': 1} == {'a': 2} }}", 'true false'],
  ['chained comparison', '{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1 < 2 }}', 'true false true'],
  ['list + list', '{{ ([1] + [2, 3]) | join(",") }}', '1,2,3'],
  ['string * int', "{{ '-' * 3 }}", '---'],
  ['% formatting', "{{ '%s and %d' % ('a', 3) }} {{ '%05.1f' % 3.14159 }} {{ '%(n)s!' % {'n': 'hi'} }}", 'a and 3 003.1 hi!'],
  ['% on numbers is Python modulo', '{{ 7 % 3 }} {{ -1 % 3 }}', '1 2'],
  ['empty list, dict, macro output are false', "{% macro empty() %}{% endmacro %}{{ 'y' if [] else 'n' }}{{ 'y' if {} else 'n' }}{{ 'y' if empty() else 'n' }}{% if [0] %}y{% endif %}{% if not {} %}y{% endif %}", 'nnnyy'],
  ['or / and give an operand', "{{ ([] or ['d']) | join }} {{ ('' or 'x') }} {{ ([1] and 'y') }} {{ ({} and 'z') | length }}", 'd x y 0'],
  ['and / or in conditions', "{% if [] or [1] %}a{% endif %}{% if [1] and {} %}b{% endif %}{% if not ([] and x) %}c{% endif %}", 'ac'],
  ['lists and dicts print as Python', "{{ [1, 'a', none] }} {{ {'k': [true]} }} {{ 'x' ~ [1] }}", "[1, 'a', None] {'k': [True]} x[1]"],
  ['~ with undefined', "{{ missing ~ 'x' }}", 'x'],
];

const STATEMENTS: Row[] = [
  ['namespace', '{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}', '6'],
  ['namespace without args', '{% set ns = namespace() %}{% set ns.found = true %}{{ ns.found }}', 'true'],
  ['dict()', "{{ dict(a=1) | tojson }} {{ dict({'a': 1}, b=2) | tojson }} {{ dict([('c', 3)]) | tojson }}", '{"a": 1} {"a": 1, "b": 2} {"c": 3}'],
  ['set a, b = 1, 2', '{% set a, b = 1, 2 %}{{ a }}{{ b }}', '12'],
  ['set a, b = list', '{% set a, b = [3, 4] %}{{ a }}{{ b }}', '34'],
  ['set block', '{% set x %}hi {{ 1 }}{% endset %}[{{ x }}]', '[hi 1]'],
  ['break', '{% for i in range(10) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}', '012'],
  ['continue', '{% for i in range(5) %}{% if i is odd %}{% continue %}{% endif %}{{ i }}{% endfor %}', '024'],
  ['break in a nested loop', '{% for a in [1, 2] %}{% for b in [1, 2, 3] %}{% if b == 2 %}{% break %}{% endif %}{{ a }}{{ b }} {% endfor %}{% endfor %}', '11 21 '],
  ['continue over a dict', "{% for k, v in {'a': 1, 'b': 2}.items() %}{% if k == 'a' %}{% continue %}{% endif %}{{ k }}={{ v }}{% endfor %}", 'b=2'],
  ['call block', '{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body{% endcall %}', '<body>'],
  ['call block with caller args', '{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(x) each([1, 2]) %}[{{ x }}]{% endcall %}', '[1][2]'],
  ['filter block', '{% filter upper %}abc{% endfilter %}', 'ABC'],
  ['do', '{% set xs = [] %}{% do xs.append(1) %}{% do xs.extend([2, 3]) %}{{ xs | join(",") }}', '1,2,3'],
  ['for k, v in d.items()', "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% endfor %}", 'a1b2'],
  ['for ... if (loop filter)', '{% for x in range(6) if x is even %}{{ x }}{{ "," if not loop.last }}{% endfor %}', '0,2,4'],
  ['loop filter sets loop.length', '{% for x in [1, 2, 3, 4] if x > 2 %}{{ loop.length }}{% endfor %}', '22'],
  ['loop filter over dict pairs', "{% for k, v in {'a': 1, 'b': 2}.items() if v > 1 %}{{ k }}{% endfor %}", 'b'],
  ['for over a dict iterates keys', "{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}", 'ab'],
  ['for over a string', "{% for c in 'ab' %}{{ c }}.{% endfor %}", 'a.b.'],
  ['for else', '{% for x in [] %}{{ x }}{% else %}empty{% endfor %}', 'empty'],
  ['for else after a filter', '{% for x in [1] if x > 5 %}{{ x }}{% else %}none{% endfor %}', 'none'],
  ['loop.index index0 first last length revindex', "{% for x in 'ab' %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }};{% endfor %}", '10truefalse22;21falsetrue21;'],
  ['loop.cycle', "{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{% endfor %}", 'aba'],
  ['loop.previtem / nextitem', '{% for x in [1, 2, 3] %}{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }} {% endfor %}', '<1>2 1<2>3 2<3> '],
  ['with', '{% set a = 1 %}{% with a = 2, b = a %}{{ a }}{{ b }}{% endwith %}{{ a }}{{ b is defined }}', '211false'],
  ['break inside with', '{% for i in [1, 2, 3] %}{% with j = i %}{% if j == 2 %}{% break %}{% endif %}{{ j }}{% endwith %}{% endfor %}', '1'],
  ['loop.changed / depth', "{% for x in [1, 1, 2] %}{{ loop.changed(x) }}{{ loop.depth }} {% endfor %}", 'true1 false1 true1 '],
  ['range', '{{ range(3) | join(",") }} {{ range(1, 7, 2) | join(",") }}', '0,1,2 1,3,5'],
];

const TESTS: Row[] = [
  ['is none', '{{ none is none }}{{ 1 is none }}{{ undefined_var is none }}', 'truefalsetrue'],
  ['is not none', '{{ 1 is not none }}', 'true'],
  ['is defined / undefined', '{{ x is defined }}{{ x is undefined }}{{ 1 is defined }}', 'falsetruetrue'],
  ['is string', "{{ 'a' is string }}{{ 1 is string }}", 'truefalse'],
  ['is number', "{{ 1.5 is number }}{{ '1' is number }}", 'truefalse'],
  ['is integer / float', '{{ 2 is integer }}{{ 2.5 is integer }}{{ 2.5 is float }}', 'truefalsetrue'],
  ['is mapping', "{{ {'a': 1} is mapping }}{{ [1] is mapping }}", 'truefalse'],
  ['is iterable / sequence', "{{ [1] is iterable }}{{ 'a' is sequence }}{{ 1 is iterable }}", 'truetruefalse'],
  ['is boolean / true / false', '{{ true is boolean }}{{ true is true }}{{ false is false }}{{ 1 is true }}', 'truetruetruefalse'],
  ['is in', "{{ 2 is in [1, 2] }}{{ 'b' is in 'abc' }}{{ 'k' is in {'k': 1} }}", 'truetruetrue'],
  ['is callable', '{{ range is callable }}{{ 1 is callable }}', 'truefalse'],
  ['is divisibleby (bare and call)', '{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}', 'truefalse'],
  ['is even / odd', '{{ 2 is even }}{{ 3 is odd }}{{ 3 is not odd }}', 'truetruefalse'],
  ['is eq / ne / lt / gt', '{{ 1 is eq 1 }}{{ 1 is ne 1 }}{{ 1 is lt 2 }}{{ 1 is gt 2 }}', 'truefalsetruefalse'],
  ['is lower / upper', "{{ 'ab' is lower }}{{ 'AB' is upper }}{{ 'Ab' is lower }}", 'truetruefalse'],
  ['is test in an inline if', "{{ 'y' if 3 is odd else 'n' }}", 'y'],
  ['is test before and', '{{ 3 is odd and 2 is even }}', 'true'],
];

const METHODS: Row[] = [
  ['str.lower upper', "{{ 'aB'.lower() }}{{ 'aB'.upper() }}", 'abAB'],
  ['str.strip with chars', "{{ '  x  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ 'xxa'.lstrip('x') }}|{{ 'axx'.rstrip('x') }}", 'x|a|a|a'],
  ['str.split sep maxsplit', "{{ 'a,b,c'.split(',', 1) | join('|') }} {{ ' a  b '.split() | join('|') }} {{ 'a,b,c'.split(',', maxsplit=1) | join('|') }}", 'a|b,c a|b a|b,c'],
  ['str.rsplit', "{{ 'a.b.c'.rsplit('.', 1) | join('|') }}", 'a.b|c'],
  ['str.replace', "{{ 'aaa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 2) }}", 'bbb bba'],
  ['str.startswith endswith (tuple too)', "{{ 'abc'.startswith('a') }}{{ 'abc'.endswith(('x', 'c')) }}", 'truetrue'],
  ['str.format', "{{ '{} {}'.format(1, 2) }} {{ '{1}{0}'.format('a', 'b') }} {{ '{name}!'.format(name='x') }} {{ '{:>4}|{:.2f}'.format('a', 3.14159) }}", '1 2 ba x!    a|3.14'],
  ['str.join', "{{ ', '.join(['a', 'b']) }}", 'a, b'],
  ['str.title capitalize', "{{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }}", 'Hello World Hello'],
  ['str.find rfind index count', "{{ 'abcb'.find('b') }}{{ 'abcb'.rfind('b') }}{{ 'abcb'.index('c') }}{{ 'abcb'.count('b') }}{{ 'a'.find('z') }}", '1322-1'],
  ['str.isdigit isalpha isupper islower', "{{ '12'.isdigit() }}{{ 'ab'.isalpha() }}{{ 'AB'.isupper() }}{{ 'ab'.islower() }}{{ 'a1'.isdigit() }}", 'truetruetruetruefalse'],
  ['str.zfill center ljust rjust', "{{ '42'.zfill(5) }}|{{ 'ab'.center(6, '*') }}|{{ 'a'.ljust(3, '.') }}|{{ 'a'.rjust(3) }}", '00042|**ab**|a..|  a'],
  ['str.partition', "{{ 'a=b=c'.partition('=') | join('|') }}", 'a|=|b=c'],
  ['slicing a macro result', '{% macro m() %}abc{% endmacro %}{{ m()[1:] }}{{ m()[-1] }}', 'bcc'],
  ['methods on a macro result', '{% macro m() %}  Hi  {% endmacro %}[{{ m().strip().lower() }}]', '[hi]'],
  ['list.append extend pop insert remove', '{% set xs = [1, 2, 3] %}{% do xs.append(4) %}{% do xs.insert(0, 0) %}{% do xs.remove(2) %}{{ xs.pop() }}{{ xs.pop(0) }}{{ xs | join(",") }}', '401,3'],
  ['list.index count reverse sort copy', '{% set xs = [3, 1, 2, 1] %}{{ xs.index(2) }}{{ xs.count(1) }}{% set ys = xs.copy() %}{% do ys.sort() %}{% do xs.reverse() %}{{ xs | join(",") }} {{ ys | join(",") }}', '221,2,1,3 1,1,2,3'],
  ['list.sort(reverse=true)', '{% set xs = [1, 3, 2] %}{% do xs.sort(reverse=true) %}{{ xs | join(",") }}', '3,2,1'],
  ['dict.items keys values', "{% set d = {'a': 1, 'b': 2} %}{{ d.keys() | join(',') }} {{ d.values() | join(',') }} {{ d.items() | length }}", 'a,b 1,2 2'],
  ['dict.get', "{% set d = {'a': 1} %}{{ d.get('a') }}{{ d.get('z', 'dflt') }}{{ d.get('z') is none }}", '1dflttrue'],
  ['dict.update pop setdefault copy', "{% set d = {'a': 1} %}{% do d.update({'b': 2}) %}{% do d.update(c=3) %}{{ d.pop('a') }}{{ d.setdefault('e', 5) }}{% set e = d.copy() %}{% do e.update(f=6) %}{{ d | dictsort | map('first') | join(',') }} {{ e | length }}", '15b,c,e 4'],
  ['methods of host objects still work', "{{ obj.greet('x') }} {{ obj.n }}", 'hi x 1'],
  ['own keys win over dict methods', "{% set d = {'get': 'own'} %}{{ d.get }}", 'own'],
];

const FILTERS: Row[] = [
  ['tojson', "{{ {'b': 1, 'a': [true, none, 'x<y']} | tojson }}", '{"a": [true, null, "x\\u003cy"], "b": 1}'],
  ['tojson(indent)', "{{ {'a': 1} | tojson(indent=2) }}", '{\n  "a": 1\n}'],
  ['map(attribute=)', "{{ [{'n': 'a'}, {'n': 'b'}] | map(attribute='n') | join(',') }}", 'a,b'],
  ['map(filter)', "{{ ['a', 'b'] | map('upper') | join(',') }}", 'A,B'],
  ['map(filter, arg)', "{{ ['a', 'b'] | map('replace', 'a', 'z') | join(',') }}", 'z,b'],
  ['select / reject with a test', '{{ range(6) | select("odd") | join(",") }} {{ range(6) | reject("odd") | join(",") }}', '1,3,5 0,2,4'],
  ['select without a test', "{{ [0, 1, '', 'a', none] | select | list | length }}", '2'],
  ['selectattr / rejectattr', "{% set xs = [{'k': 'a', 'on': true}, {'k': 'b', 'on': false}] %}{{ xs | selectattr('on') | map(attribute='k') | join }}{{ xs | rejectattr('on') | map(attribute='k') | join }}", 'ab'],
  ['selectattr with test and value', "{{ [{'k': 1}, {'k': 2}] | selectattr('k', 'equalto', 2) | map(attribute='k') | join }}{{ [{'k': 1}, {'k': 2}] | selectattr('k', '==', 1) | map(attribute='k') | join }}", '21'],
  ['unique', "{{ ['a', 'A', 'b', 'a'] | unique | join(',') }}", 'a,b'],
  ['items', "{% for k, v in {'a': 1} | items %}{{ k }}{{ v }}{% endfor %}", 'a1'],
  ['list', "{{ 'ab' | list | join(',') }}", 'a,b'],
  ['string', '{{ (1 | string) ~ "x" }} {{ none | string }}', '1x None'],
  ['int / float with defaults', "{{ '3' | int }} {{ 'x' | int(7) }} {{ '3.9' | int }} {{ '2.5' | float }} {{ 'x' | float(1.5) }}", '3 7 3 2.5 1.5'],
  ['default', "{{ missing | default('d') }} {{ '' | default('d', true) }} {{ 'v' | default('d') }}", 'd d v'],
  ['first / last', '{{ [1, 2, 3] | first }}{{ [1, 2, 3] | last }}{{ "ab" | first }}', '13a'],
  ['min / max with attribute', "{{ [3, 1, 2] | min }}{{ [3, 1, 2] | max }}{{ ([{'n': 5}, {'n': 2}] | min(attribute='n')).n }}", '132'],
  ['sum(attribute=)', "{{ [1, 2, 3] | sum }} {{ [{'n': 1}, {'n': 2}] | sum(attribute='n') }}", '6 3'],
  ['join(attribute=)', "{{ [{'n': 'a'}, {'n': 'b'}] | join(', ', attribute='n') }}", 'a, b'],
  ['batch', '{% for row in [1, 2, 3] | batch(2) %}[{{ row | join(",") }}]{% endfor %}', '[1,2][3]'],
  ['slice', '{% for col in [1, 2, 3] | slice(2) %}[{{ col | join(",") }}]{% endfor %}', '[1,2][3]'],
  ['dictsort', "{% for k, v in {'b': 1, 'a': 2} | dictsort %}{{ k }}{% endfor %} {% for k, v in {'b': 1, 'a': 2} | dictsort(by='value') %}{{ k }}{% endfor %}", 'ab ba'],
  ['sort(attribute=, reverse=)', "{{ [{'n': 1}, {'n': 3}, {'n': 2}] | sort(attribute='n', reverse=true) | map(attribute='n') | join }}", '321'],
  ['sort', "{{ ['b', 'A', 'c'] | sort | join }}", 'Abc'],
  ['reverse', "{{ [1, 2] | reverse | join }}{{ 'ab' | reverse }}", '21ba'],
  ['length / count', "{{ [1, 2] | length }}{{ 'abc' | count }}{{ {'a': 1} | length }}", '231'],
  ['wordcount', "{{ 'a b  c' | wordcount }}", '3'],
  ['trim(chars)', "{{ '  a ' | trim }}|{{ '--a--' | trim('-') }}", 'a|a'],
  ['replace', "{{ 'aXbX' | replace('X', '-') }}", 'a-b-'],
  ['truncate', "{{ 'hello world foo bar' | truncate(9) }}|{{ 'hello world foo bar' | truncate(9, true, '..', 0) }}", 'hello...|hello w..'],
  ['indent', "{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}", 'a\n  b\n\n  c|  a\n  b'],
  ['center', "[{{ 'ab' | center(6) }}][{{ 'ab' | center(5) }}]", '[  ab  ][  ab ]'],
  ['format', "{{ '%s-%s' | format('a', 1) }}", 'a-1'],
  ['round(precision, method)', "{{ 2.5 | round }} {{ 3.5 | round }} {{ 3.14159 | round(2) }} {{ 2.675 | round(2) }} {{ 0.125 | round(2) }} {{ -2.5 | round }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(method='floor') }}", '2 4 3.14 2.67 0.12 -2 3 2'],
  ['abs', '{{ -3 | abs }}', '3'],
  ['attr', "{{ {'a': 1} | attr('a') }}", '1'],
  ['pprint', "{{ ['a', 1, none] | pprint }}", "['a', 1, None]"],
  ['groupby', "{% for g in [{'k': 'x', 'v': 1}, {'k': 'y', 'v': 2}, {'k': 'x', 'v': 3}] | groupby('k') %}{{ g.grouper }}:{{ g.list | map(attribute='v') | join(',') }};{% endfor %}", 'x:1,3;y:2;'],
];

describe('jinja dialect', () => {
  for (const [group, rows] of Object.entries({ syntax: SYNTAX, statements: STATEMENTS, tests: TESTS, methods: METHODS, filters: FILTERS })) {
    describe(group, () => {
      it.each(rows)('%s', (_construct, template, expected) => {
        expect(render(template, { obj: HOST })).toBe(expected);
      });
    });
  }

  it('keeps line and column of syntax errors', () => {
    let caught: unknown;
    try {
      env.compile('select 1\n{{ f(1,, 2) }}', 'bad.sql');
    } catch (error) {
      caught = error;
    }
    const diagnostic = templateErrorToDiagnostic(caught, 'bad.sql', 'syntax');
    expect(diagnostic).toMatchObject({ file: 'bad.sql', line: 2 });
    expect(diagnostic.column).toBeGreaterThan(0);
  });

  it('rejects break outside a loop at its position', () => {
    expect(() => env.compile('a\n{% break %}', 'bad.sql')).toThrow(/outside of a for loop[\s\S]*|Line 2/);
    const diagnostic = (() => {
      try {
        env.compile('a\n{% break %}', 'bad.sql');
      } catch (error) {
        return templateErrorToDiagnostic(error, 'bad.sql', 'syntax');
      }
    })();
    expect(diagnostic).toMatchObject({ line: 2 });
  });

  it('reports a failed unpacking at its line', () => {
    expect(() => render('a\n{% set a, b = [1] %}')).toThrow(/Line 1, Column \d+[\s\S]*cannot unpack 1 values into 2 names/);
  });

  it('installs its patches once: a second environment renders the same', () => {
    expect(createEnvironment().compile('{{ [1, 2,] | join }}', 'x.sql').render({})).toBe('12');
  });
});

describe('jinja dialect through the Renderer', () => {
  const context = {
    projectName: 'p',
    vars: {},
    target: { name: 'dev', schema: 'public', type: 'postgres', threads: 1 },
    env: {},
    runStartedAt: new Date('2024-01-01T00:00:00Z'),
    invocationId: 'id',
  };
  const macros = [
    'macros/dialect.sql',
    [
      "{% macro cols(prefix) %}{{ return(varargs | map('upper') | map('replace', '', '') | list) }}{% endmacro %}",
      '{% macro opts(name) %}{% set out = [] %}{% for k, v in kwargs | dictsort %}{% do out.append(k ~ "=" ~ v) %}{% endfor %}{{ return(name ~ "(" ~ out | join(", ") ~ ")") }}{% endmacro %}',
      '{% macro pick(xs, n=1) %}{% for x in xs %}{% if loop.index > n %}{% break %}{% endif %}{{ x }}{% endfor %}{% endmacro %}',
    ].join('\n'),
  ] as const;
  const renderer = new Renderer(context, [{ path: macros[0], absolutePath: `/p/${macros[0]}`, text: macros[1], checksum: 'c' }]);
  const scope = { mode: 'compile', file: 'models/m.sql', model: {}, recordMacro: () => undefined } as unknown as RenderScope;
  const renderModel = (text: string) => renderer.render(renderer.template('models/m.sql', text, text), scope);

  it.each([
    ['varargs with return()', "{{ cols('p', 'a', 'b',) | join(',') }}", 'A,B'],
    ['kwargs with return()', "{{ opts('f', b=2, a=1) }}", 'f(a=1, b=2)'],
    ['**kwargs and *args into project macros', "{{ opts(*['g'], **{'z': 1}) }}", 'g(z=1)'],
    ['break inside a macro loop', '{{ pick([1, 2, 3], n=2) }}', '12'],
  ])('%s', (_construct, template, expected) => {
    expect(renderModel(template)).toBe(expected);
  });
});
