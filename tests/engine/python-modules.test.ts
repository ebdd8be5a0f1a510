/**
 * `modules` in templates (compiler/render/dbt-context/python-modules.ts): Python's datetime, pytz, re,
 * itertools and math, called from nunjucks the way dbt projects call them. Pure: no database.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keepFunctionMembers } from '../../compiler/render/dbt-context/function-members.js';
import { pythonModules } from '../../compiler/render/dbt-context/python-modules.js';
import { translatePattern } from '../../compiler/render/dbt-context/python-re.js';
import { createEnvironment } from '../../compiler/render/nunjucks-env.js';

const env = createEnvironment();
// What the environment must install for `modules.datetime.datetime.now()` (see function-members.ts).
keepFunctionMembers(createRequire(import.meta.url)('nunjucks').runtime);
env.addGlobal('modules', pythonModules());
const render = (template: string, context: object = {}) => env.compile(template, 'test.sql').render(context);

type Case = [name: string, template: string, expected: string];

afterEach(() => {
  vi.useRealTimers();
});

describe('modules.datetime', () => {
  const cases: Case[] = [
    ['datetime() and str()', '{{ modules.datetime.datetime(2024, 1, 2, 3, 4, 5) }}', '2024-01-02 03:04:05'],
    ['datetime() with keywords', '{{ modules.datetime.datetime(2024, 1, 2, minute=30, microsecond=5) }}', '2024-01-02 00:30:00.000005'],
    ['fields', '{% set d = modules.datetime.datetime(2024, 2, 29, 23, 59, 58, 7) %}{{ [d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond] | join(",") }}', '2024,2,29,23,59,58,7'],
    ['isoformat', '{{ modules.datetime.datetime(2024, 1, 2, 3, 4, 5, 600).isoformat() }}', '2024-01-02T03:04:05.000600'],
    ['isoformat sep and timespec', "{{ modules.datetime.datetime(2024, 1, 2, 3, 4, 5).isoformat(' ', 'minutes') }}", '2024-01-02 03:04'],
    [
      'strftime common codes',
      "{{ modules.datetime.datetime(2024, 3, 9, 15, 4, 5, 120000).strftime('%Y-%m-%d %H:%M:%S.%f %y %I%p %a %A %b %B %j %w %u %%') }}",
      '2024-03-09 15:04:05.120000 24 03PM Sat Saturday Mar March 069 6 6 %',
    ],
    ['strftime %U %W %V %G', "{{ modules.datetime.datetime(2021, 1, 3).strftime('%U %W %V %G') }}", '01 00 53 2020'],
    ['strftime %-d (no padding)', "{{ modules.datetime.date(2024, 3, 9).strftime('%-m/%-d/%Y') }}", '3/9/2024'],
    ['strptime', "{{ modules.datetime.datetime.strptime('2024-03-09 15:04:05', '%Y-%m-%d %H:%M:%S') }}", '2024-03-09 15:04:05'],
    ['strptime names, 12-hour clock, fraction', "{{ modules.datetime.datetime.strptime('Sat, 9 March 2024 03:04 PM .5', '%a, %d %B %Y %I:%M %p .%f') }}", '2024-03-09 15:04:00.500000'],
    ['strptime %z', "{{ modules.datetime.datetime.strptime('2024-03-09T10:00:00+0530', '%Y-%m-%dT%H:%M:%S%z') }}", '2024-03-09 10:00:00+05:30'],
    ['fromisoformat', "{{ modules.datetime.datetime.fromisoformat('2024-03-09T10:11:12.5') }}", '2024-03-09 10:11:12.500000'],
    ['fromisoformat with Z', "{{ modules.datetime.datetime.fromisoformat('2024-03-09T10:11:12Z').isoformat() }}", '2024-03-09T10:11:12+00:00'],
    ['fromisoformat date only', "{{ modules.datetime.datetime.fromisoformat('2024-03-09') }}", '2024-03-09 00:00:00'],
    ['fromtimestamp in UTC', '{{ modules.datetime.datetime.fromtimestamp(1700000000.25, modules.pytz.utc) }}', '2023-11-14 22:13:20.250000+00:00'],
    ['utcfromtimestamp', '{{ modules.datetime.datetime.utcfromtimestamp(0) }}', '1970-01-01 00:00:00'],
    ['timestamp()', '{{ modules.datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=modules.pytz.utc).timestamp() }}', '1700000000'],
    ['date()', '{{ modules.datetime.datetime(2024, 3, 9, 15).date() }}', '2024-03-09'],
    ['replace()', '{{ modules.datetime.datetime(2024, 3, 9, 15).replace(day=1, hour=0) }}', '2024-03-01 00:00:00'],
    ['weekday/isoweekday', '{% set d = modules.datetime.datetime(2024, 3, 10) %}{{ d.weekday() }} {{ d.isoweekday() }}', '6 7'],
    ['isocalendar', '{{ modules.datetime.date(2021, 1, 3).isocalendar() | join("-") }}', '2020-53-7'],
    ['comparison', '{{ modules.datetime.datetime(2024, 1, 1) < modules.datetime.datetime(2024, 1, 2) }} {{ modules.datetime.date(2024, 1, 3) > modules.datetime.date(2024, 1, 2) }}', 'true true'],
    ['concatenation prints str()', "{{ 'at ' ~ modules.datetime.datetime(2024, 1, 1) }}", 'at 2024-01-01 00:00:00'],
    ['__add__ a timedelta', '{{ modules.datetime.datetime(2024, 2, 28, 12).__add__(modules.datetime.timedelta(days=1, hours=12)) }}', '2024-03-01 00:00:00'],
    ['__sub__ a timedelta', '{{ modules.datetime.datetime(2024, 3, 1).__sub__(modules.datetime.timedelta(seconds=1)) }}', '2024-02-29 23:59:59'],
    ['__sub__ two datetimes', '{{ modules.datetime.datetime(2024, 3, 1).__sub__(modules.datetime.datetime(2024, 2, 1, 12)) }}', '28 days, 12:00:00'],
    ['__eq__', '{{ modules.datetime.datetime(2024, 3, 1).__eq__(modules.datetime.datetime(2024, 3, 1)) }}', 'true'],
    ['timedelta.__add__ a date', '{{ modules.datetime.timedelta(days=1).__add__(modules.datetime.date(2024, 2, 28)) }}', '2024-02-29'],
    ['date arithmetic', '{{ modules.datetime.date(2024, 12, 31).__add__(modules.datetime.timedelta(weeks=1)) }}', '2025-01-07'],
    ['date.fromisoformat', "{{ modules.datetime.date.fromisoformat('2024-03-09').strftime('%d.%m.%Y') }}", '09.03.2024'],
    ['timedelta str', '{{ modules.datetime.timedelta(days=2, hours=3, minutes=4, seconds=5.5) }}', '2 days, 3:04:05.500000'],
    ['negative timedelta str', '{{ modules.datetime.timedelta(hours=-1) }}', '-1 day, 23:00:00'],
    ['timedelta fields', '{% set t = modules.datetime.timedelta(days=1, seconds=90) %}{{ t.days }} {{ t.seconds }} {{ t.total_seconds() }}', '1 90 86490'],
    ['timedelta positional', '{{ modules.datetime.timedelta(1, 30).total_seconds() }}', '86430'],
    ['timezone.utc', '{{ modules.datetime.datetime(2024, 1, 1, tzinfo=modules.datetime.timezone.utc) }}', '2024-01-01 00:00:00+00:00'],
    ['timezone(offset)', '{{ modules.datetime.datetime(2024, 1, 1, tzinfo=modules.datetime.timezone(modules.datetime.timedelta(hours=-5))).isoformat() }}', '2024-01-01T00:00:00-05:00'],
  ];
  it.each(cases)('%s', (_name, template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('now(), utcnow() and today() read the clock', () => {
    vi.useFakeTimers({ now: new Date('2024-05-06T07:08:09.123Z') });
    expect(render('{{ modules.datetime.datetime.utcnow() }}')).toBe('2024-05-06 07:08:09.123000');
    expect(render('{{ modules.datetime.datetime.now(modules.pytz.utc).isoformat() }}')).toBe('2024-05-06T07:08:09.123000+00:00');
    expect(render("{{ modules.datetime.datetime.now(modules.pytz.timezone('Asia/Kolkata')) }}")).toBe('2024-05-06 12:38:09.123000+05:30');
    const local = new Date('2024-05-06T07:08:09.123Z');
    expect(render('{{ modules.datetime.datetime.now().day }}')).toBe(String(local.getDate()));
    expect(render('{{ modules.datetime.date.today() }}')).toMatch(/^2024-05-0[5-7]$/);
    expect(render('{{ modules.datetime.datetime.now().__sub__(modules.datetime.timedelta(days=1)) < modules.datetime.datetime.now() }}')).toBe('true');
  });

  it('rejects values Python rejects', () => {
    expect(() => render('{{ modules.datetime.datetime(2023, 2, 29) }}')).toThrow(/day is out of range for month/);
    expect(() => render('{{ modules.datetime.datetime(2024, 13, 1) }}')).toThrow(/month must be in 1..12/);
    expect(() => render("{{ modules.datetime.datetime.strptime('2024/01/01', '%Y-%m-%d') }}")).toThrow(/does not match format/);
    expect(() => render('{{ modules.datetime.timedelta(fortnights=1) }}')).toThrow(/unexpected keyword argument 'fortnights'/);
    expect(() => render("{{ modules.datetime.datetime(2024, 1, 1).__sub__(modules.datetime.datetime(2024, 1, 1, tzinfo=modules.pytz.utc)) }}")).toThrow(/offset-naive and offset-aware/);
  });
});

describe('modules.pytz', () => {
  const cases: Case[] = [
    ['timezone().zone', "{{ modules.pytz.timezone('America/New_York').zone }}", 'America/New_York'],
    ['utc', '{{ modules.pytz.utc }} {{ modules.pytz.UTC.zone }}', 'UTC UTC'],
    [
      'astimezone follows daylight saving time',
      "{% set utc = modules.datetime.datetime(2024, 7, 1, 12, tzinfo=modules.pytz.utc) %}{{ utc.astimezone(modules.pytz.timezone('Europe/Paris')) }} {{ utc.replace(month=1).astimezone(modules.pytz.timezone('Europe/Paris')) }}",
      '2024-07-01 14:00:00+02:00 2024-01-01 13:00:00+01:00',
    ],
    [
      'localize, then to UTC',
      "{{ modules.pytz.timezone('America/New_York').localize(modules.datetime.datetime(2024, 3, 9, 20)).astimezone(modules.pytz.utc) }}",
      '2024-03-10 01:00:00+00:00',
    ],
    ['utcoffset and tzname', "{% set d = modules.pytz.timezone('Asia/Tokyo').localize(modules.datetime.datetime(2024, 1, 1)) %}{{ d.utcoffset() }} {{ d.strftime('%z') }}", '9:00:00 +0900'],
    ['aware comparison across zones', "{{ modules.datetime.datetime(2024, 1, 1, 1, tzinfo=modules.pytz.timezone('Europe/Paris')) < modules.datetime.datetime(2024, 1, 1, 0, 30, tzinfo=modules.pytz.utc) }}", 'true'],
  ];
  it.each(cases)('%s', (_name, template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('refuses an unknown zone', () => {
    expect(() => render("{{ modules.pytz.timezone('Mars/Olympus') }}")).toThrow(/UnknownTimeZoneError: 'Mars\/Olympus'/);
  });
});

describe('modules.re', () => {
  const cases: Case[] = [
    ['match', "{{ modules.re.match('[a-z]+', 'abc123').group() }}", 'abc'],
    ['match is anchored', "{{ modules.re.match('\\\\d+', 'abc123') is none }}", 'true'],
    ['search', "{{ modules.re.search('\\\\d+', 'abc123def').group(0) }}", '123'],
    ['fullmatch', "{{ modules.re.fullmatch('a|ab', 'ab').group() }} {{ modules.re.fullmatch('a', 'ab') is none }}", 'ab true'],
    ['groups, start, end, span', "{% set m = modules.re.search('(\\\\w)(\\\\d)?', '  x') %}{{ m.groups() }}|{{ m.start() }} {{ m.end(1) }} {{ m.span(2) }}", "['x', None]|2 3 [-1, -1]"],
    ['named groups (?P<name>)', "{% set m = modules.re.match('(?P<year>\\\\d{4})-(?P<month>\\\\d\\\\d)', '2024-03') %}{{ m.group('month') }} {{ m.groupdict().year }} {{ m.group(1, 2) }}", "03 2024 ['2024', '03']"],
    ['backreference (?P=name)', "{{ modules.re.search('(?P<q>[\\'\"]).*?(?P=q)', 'say \"hi\" now').group() }}", '"hi"'],
    ['\\A and \\Z', "{{ modules.re.search('\\\\Aab\\\\Z', 'ab') is not none }} {{ modules.re.search('ab\\\\Z', 'ab\\n') is none }}", 'true true'],
    ['$ also matches before a final newline', "{{ modules.re.search('ab$', 'ab\\n') is not none }}", 'true'],
    ['inline flags (?i)', "{{ modules.re.match('(?i)select', 'SELECT 1').group() }}", 'SELECT'],
    ['IGNORECASE flag', "{{ modules.re.findall('a', 'AaA', modules.re.IGNORECASE) | length }}", '3'],
    ['MULTILINE flag', "{{ modules.re.findall('^\\\\w', 'a\\nb', flags=modules.re.M) | join }}", 'ab'],
    ['DOTALL flag', "{{ modules.re.match('a.b', 'a\\nb', modules.re.S) is not none }}", 'true'],
    ['VERBOSE flag', "{{ modules.re.match('\\\\d+  # digits\\n  [a-z]', '12x', modules.re.X).group() }}", '12x'],
    ['findall without groups', "{{ modules.re.findall('\\\\d', 'a1b2') | join(',') }}", '1,2'],
    ['findall with one group', "{{ modules.re.findall('(\\\\w)=\\\\d', 'a=1 b=2') | join(',') }}", 'a,b'],
    ['findall with groups', "{% for k, v in modules.re.findall('(\\\\w)=(\\\\d)', 'a=1 b=2') %}{{ k }}{{ v }};{% endfor %}", 'a1;b2;'],
    ['sub with backreferences', "{{ modules.re.sub('(\\\\w+)@(\\\\w+)', '\\\\2 at \\\\g<1>', 'me@host') }}", 'host at me'],
    ['sub with count', "{{ modules.re.sub('a', 'b', 'aaa', count=2) }}", 'bba'],
    ['sub with a macro', "{% macro up(m) %}{{ m.group() | upper }}{% endmacro %}{{ modules.re.sub('[aeiou]', up, 'hello') }}", 'hEllO'],
    ['subn', "{{ modules.re.subn('\\\\s+', ' ', 'a  b   c') }}", "['a b c', 2]"],
    ['split', "{{ modules.re.split('[,;]\\\\s*', 'a, b;c') | join('|') }}", 'a|b|c'],
    ['split keeps groups, maxsplit', "{{ modules.re.split('(-)', 'a-b-c', 1) | join('|') }}", 'a|-|b-c'],
    ['escape', "{{ modules.re.escape('a.b*c (d)') }}", 'a\\.b\\*c\\ \\(d\\)'],
    ['compile, then methods', "{% set p = modules.re.compile('(?P<n>\\\\d+)') %}{{ p.search('x42').group('n') }} {{ p.groups }} {{ p.groupindex.n }} {{ p.pattern }}", '42 1 1 (?P<n>\\d+)'],
    ['match object indexing', "{{ modules.re.match('(a)(b)', 'ab')[2] }}", 'b'],
  ];
  it.each(cases)('%s', (_name, template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('translates Python pattern syntax', () => {
    expect(translatePattern('(?i)(?P<y>\\d{4})\\Z', 0)).toEqual({ source: '(?<y>\\d{4})(?![\\s\\S])', flags: 2, jsFlags: 'i' });
    expect(translatePattern('[]a]$', 8).source).toBe('[\\]a]$');
    expect(translatePattern('a(?#note)b', 0).source).toBe('ab');
  });

  it('empty matches as Python 3.7+', () => {
    expect(render("{{ modules.re.sub('x*', '-', 'abxd') }}")).toBe('-a-b--d-');
  });
});

describe('modules.itertools', () => {
  const cases: Case[] = [
    ['chain', '{{ modules.itertools.chain([1, 2], [3], "ab") | join(",") }}', '1,2,3,a,b'],
    ['chain.from_iterable', '{{ modules.itertools.chain.from_iterable([[1], [2, 3]]) | join(",") }}', '1,2,3'],
    ['product', "{% for a, b in modules.itertools.product([1, 2], 'xy') %}{{ a }}{{ b }} {% endfor %}", '1x 1y 2x 2y '],
    ['product repeat', '{{ modules.itertools.product([0, 1], repeat=2) | length }}', '4'],
    ['combinations', "{% for c in modules.itertools.combinations('abc', 2) %}{{ c | join }} {% endfor %}", 'ab ac bc '],
    ['combinations_with_replacement', "{{ modules.itertools.combinations_with_replacement('ab', 2) | length }}", '3'],
    ['permutations', "{% for p in modules.itertools.permutations('abc', 2) %}{{ p | join }} {% endfor %}", 'ab ac ba bc ca cb '],
    ['permutations of all', '{{ modules.itertools.permutations([1, 2, 3]) | length }}', '6'],
    ['groupby', "{% for k, items in modules.itertools.groupby('aabccc') %}{{ k }}{{ items | length }} {% endfor %}", 'a2 b1 c3 '],
    ['groupby with a key', "{% macro first(x) %}{{ x[0] }}{% endmacro %}{% for k, items in modules.itertools.groupby(['ab', 'ac', 'bd'], key=first) %}{{ k }}:{{ items | join('+') }} {% endfor %}", 'a:ab+ac b:bd '],
    ['islice', '{{ modules.itertools.islice([1, 2, 3, 4, 5], 1, 5, 2) | join(",") }}', '2,4'],
    ['islice of count', '{{ modules.itertools.islice(modules.itertools.count(10, 5), 3) | join(",") }}', '10,15,20'],
    ['repeat', "{{ modules.itertools.repeat('x', 3) | join }}", 'xxx'],
    ['islice of cycle', "{{ modules.itertools.islice(modules.itertools.cycle('ab'), 5) | join }}", 'ababa'],
    ['accumulate', '{{ modules.itertools.accumulate([1, 2, 3]) | join(",") }}', '1,3,6'],
    ['zip_longest', "{% for a, b in modules.itertools.zip_longest([1, 2], [3], fillvalue=0) %}{{ a }}{{ b }} {% endfor %}", '13 20 '],
  ];
  it.each(cases)('%s', (_name, template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('count refuses to be read to its end', () => {
    expect(() => render('{% for i in modules.itertools.count() %}{% endfor %}')).toThrow(/infinite/);
  });
});

describe('modules.math', () => {
  const cases: Case[] = [
    ['floor, ceil', '{{ modules.math.floor(2.7) }} {{ modules.math.ceil(2.1) }}', '2 3'],
    ['log with base', '{{ modules.math.log(8, 2) }}', '3'],
    ['sqrt, pow', '{{ modules.math.sqrt(16) }} {{ modules.math.pow(2, 10) }}', '4 1024'],
    ['gcd', '{{ modules.math.gcd(12, 18) }}', '6'],
  ];
  it.each(cases)('%s', (_name, template, expected) => {
    expect(render(template)).toBe(expected);
  });
});

describe('keepFunctionMembers', () => {
  it("keeps a function's members reachable through nunjucks's binding wrapper", () => {
    // The shape of nunjucks's lookup: functions come back wrapped, to bind `this`.
    const runtime = {
      memberLookup: (obj: unknown, val: unknown) => {
        const found = (obj as Record<string, unknown>)[val as string];
        return typeof found === 'function' ? (...args: unknown[]) => (found as (...a: unknown[]) => unknown).apply(obj, args) : found;
      },
    };
    const datetime = Object.assign((year: number) => `year ${year}`, { now: () => 'now' });
    const before = runtime.memberLookup({ datetime }, 'datetime') as unknown as Record<string, unknown>;
    expect(before.now).toBeUndefined();
    keepFunctionMembers(runtime);
    keepFunctionMembers(runtime);
    const after = runtime.memberLookup({ datetime }, 'datetime') as unknown as ((year: number) => string) & { now(): string };
    expect(after(2024)).toBe('year 2024');
    expect(after.now()).toBe('now');
  });
});
