/**
 * `modules` in templates: the Python modules dbt exposes (datetime, pytz, re, itertools), plus math.
 * Keyword arguments work as in Python (`modules.datetime.timedelta(days=1)`).
 *
 * @example {{ modules.datetime.datetime.now(modules.pytz.utc).strftime('%Y-%m-%d') }}
 */
import { datetimeModule } from './python-datetime.js';
import { itertoolsModule } from './python-itertools.js';
import { reModule } from './python-re.js';
import { allTimezones, PyTimezone } from './python-timezones.js';

function pytzModule(): Record<string, unknown> {
  return {
    timezone: (zone: unknown) => PyTimezone.named(String(zone)),
    utc: PyTimezone.utc,
    UTC: PyTimezone.utc,
    FixedOffset: (minutes: number) => PyTimezone.fixed(Number(minutes), `pytz.FixedOffset(${Number(minutes)})`),
    get all_timezones() {
      return allTimezones();
    },
    get common_timezones() {
      return allTimezones();
    },
  };
}

function mathModule(): Record<string, unknown> {
  const integerResult = (f: (x: number) => number) => (x: number) => f(Number(x));
  return {
    pi: Math.PI,
    e: Math.E,
    tau: 2 * Math.PI,
    inf: Infinity,
    nan: NaN,
    floor: integerResult(Math.floor),
    ceil: integerResult(Math.ceil),
    trunc: integerResult(Math.trunc),
    fabs: (x: number) => Math.abs(Number(x)),
    sqrt: (x: number) => {
      if (Number(x) < 0) throw new Error('ValueError: math domain error');
      return Math.sqrt(Number(x));
    },
    pow: (x: number, y: number) => Math.pow(Number(x), Number(y)),
    exp: (x: number) => Math.exp(Number(x)),
    log: (x: number, base?: number) => (base === undefined ? Math.log(Number(x)) : Math.log(Number(x)) / Math.log(Number(base))),
    log10: (x: number) => Math.log10(Number(x)),
    log2: (x: number) => Math.log2(Number(x)),
    isnan: (x: number) => Number.isNaN(Number(x)),
    isinf: (x: number) => Math.abs(Number(x)) === Infinity,
    isfinite: (x: number) => Number.isFinite(Number(x)),
    fsum: (values: unknown[]) => values.reduce<number>((sum, v) => sum + Number(v), 0),
    prod: (values: unknown[]) => values.reduce<number>((product, v) => product * Number(v), 1),
    gcd: (...values: number[]) => values.map((v) => Math.abs(Number(v))).reduce((a, b) => {
      while (b) [a, b] = [b, a % b];
      return a;
    }, 0),
    copysign: (x: number, y: number) => Math.sign(Number(y) || 1 / Number(y)) * Math.abs(Number(x)),
    sin: Math.sin,
    cos: Math.cos,
    tan: Math.tan,
    atan2: Math.atan2,
    radians: (x: number) => (Number(x) * Math.PI) / 180,
    degrees: (x: number) => (Number(x) * 180) / Math.PI,
  };
}

/**
 * A fresh `modules` object (its values hold no state shared between renders); `clock` is what
 * `datetime.now()` and `date.today()` read.
 */
export function pythonModules(clock: () => number = () => Date.now()): Record<string, unknown> {
  return {
    datetime: datetimeModule(clock),
    pytz: pytzModule(),
    re: reModule(),
    itertools: itertoolsModule(),
    math: mathModule(),
  };
}
