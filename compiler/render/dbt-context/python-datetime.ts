/**
 * Python's `datetime` module for templates (`modules.datetime`): date, datetime, timedelta, timezone.
 *
 * Values compare with < <= > >= (they turn into numbers for those) and print as Python's str() does.
 * nunjucks has no operator overloading, so `dt + td` cannot add: write the Python method calls
 * `dt.__add__(td)`, `dt.__sub__(td)` and `dt.__sub__(other_dt)` (which also run in dbt), or `==` as
 * `a.__eq__(b)`.
 */
import { bindArguments } from './python-args.js';
import { daysFromCivil, daysInMonth, isoCalendar, strftime, strptime, parseOffset, weekdayOf, type DateFields } from './python-strftime.js';
import { normalize, PyTimedelta, timedelta, US_PER_DAY } from './python-timedelta.js';
import { PyTimezone } from './python-timezones.js';

const ORDINAL_OF_EPOCH = 719_163;

function integer(name: string, value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name}: an integer is required (got type ${value === null ? 'NoneType' : typeof value})`);
  }
  return value;
}

function checkRange(name: string, value: number, low: number, high: number, message = `${name} must be in ${low}..${high}`): void {
  if (value < low || value > high) throw new Error(`ValueError: ${message}`);
}

function checkDate(year: number, month: number, day: number): void {
  checkRange('year', year, 1, 9999, `year ${year} is out of range`);
  checkRange('month', month, 1, 12);
  checkRange('day', day, 1, daysInMonth(year, month), 'day is out of range for month');
}

function civilFromDays(days: number): [number, number, number] {
  const date = new Date(days * 86_400_000);
  return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function localZone(): PyTimezone {
  return PyTimezone.named(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
}

function isTimezone(value: unknown): value is PyTimezone | null {
  return value === null || value instanceof PyTimezone;
}

export class PyDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;

  constructor(year: number, month: number, day: number) {
    checkDate(year, month, day);
    this.year = year;
    this.month = month;
    this.day = day;
  }

  static fromDays(days: number): PyDate {
    return new PyDate(...civilFromDays(days));
  }

  protected get epochDays(): number {
    return daysFromCivil(this.year, this.month, this.day);
  }

  toordinal(): number {
    return this.epochDays + ORDINAL_OF_EPOCH;
  }

  weekday(): number {
    return weekdayOf(this.year, this.month, this.day);
  }

  isoweekday(): number {
    return this.weekday() + 1;
  }

  isocalendar(): number[] {
    return isoCalendar(this.year, this.month, this.day);
  }

  isoformat(): string {
    return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
  }

  strftime(format: string): string {
    return strftime({ year: this.year, month: this.month, day: this.day, hour: 0, minute: 0, second: 0, microsecond: 0, offsetMinutes: null, tzname: '' }, format);
  }

  replace(...args: unknown[]): PyDate {
    const a = bindArguments('replace', args, ['year', 'month', 'day'], { year: this.year, month: this.month, day: this.day });
    return new PyDate(integer('year', a.year), integer('month', a.month), integer('day', a.day));
  }

  __add__(other: PyTimedelta): PyDate {
    if (!(other instanceof PyTimedelta)) throw new TypeError('unsupported operand type(s) for +: date');
    return PyDate.fromDays(this.epochDays + other.days);
  }

  __radd__(other: PyTimedelta): PyDate {
    return this.__add__(other);
  }

  __sub__(other: PyDate | PyTimedelta): PyDate | PyTimedelta {
    if (other instanceof PyTimedelta) return PyDate.fromDays(this.epochDays - other.days);
    if (other instanceof PyDate && !(other instanceof PyDateTime)) return new PyTimedelta(this.epochDays - other.epochDays, 0);
    throw new TypeError('unsupported operand type(s) for -: date');
  }

  __eq__(other: unknown): boolean {
    return other instanceof PyDate && !(other instanceof PyDateTime) && other.epochDays === this.epochDays;
  }

  toString(): string {
    return this.isoformat();
  }

  toJSON(): string {
    return this.isoformat();
  }

  [Symbol.toPrimitive](hint: string): string | number {
    return hint === 'number' ? this.epochDays * 86_400 : this.toString();
  }
}

export class PyDateTime extends PyDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  readonly tzinfo: PyTimezone | null;
  /** The wall-clock time: days since 1970-01-01 and microseconds into that day. */
  private readonly wallDays: number;
  private readonly wallMicros: number;

  constructor(days: number, micros: number, tzinfo: PyTimezone | null) {
    const [d, us] = normalize(days, micros);
    super(...civilFromDays(d));
    this.wallDays = d;
    this.wallMicros = us;
    this.hour = Math.floor(us / 3_600_000_000);
    this.minute = Math.floor(us / 60_000_000) % 60;
    this.second = Math.floor(us / 1_000_000) % 60;
    this.microsecond = us % 1_000_000;
    this.tzinfo = tzinfo;
  }

  static fromFields(args: Record<string, unknown>): PyDateTime {
    const [year, month, day, hour, minute, second, microsecond] = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond'].map((k) => integer(k, args[k]));
    checkDate(year!, month!, day!);
    checkRange('hour', hour!, 0, 23);
    checkRange('minute', minute!, 0, 59);
    checkRange('second', second!, 0, 59);
    checkRange('microsecond', microsecond!, 0, 999_999);
    if (!isTimezone(args.tzinfo)) throw new TypeError('tzinfo argument must be None or of a tzinfo subclass');
    const micros = ((hour! * 60 + minute!) * 60 + second!) * 1_000_000 + microsecond!;
    return new PyDateTime(daysFromCivil(year!, month!, day!), micros, args.tzinfo);
  }

  /** The wall-clock time in `tz` (or naive local time when tz is null) at an instant. */
  static fromInstant(utcMicros: number, tz: PyTimezone | null): PyDateTime {
    const zone = tz ?? localZone();
    const offset = zone.offsetAtInstant(Math.floor(utcMicros / 1000));
    const days = Math.floor(utcMicros / US_PER_DAY);
    return new PyDateTime(days, utcMicros - days * US_PER_DAY + offset * 60_000_000, tz);
  }

  private offsetMinutes(): number | null {
    return this.tzinfo ? this.tzinfo.offsetForWall(this.wallDays * 86_400_000 + Math.floor(this.wallMicros / 1000)) : null;
  }

  /** UTC days and microseconds (a naive value counts as UTC, for ordering among naive values). */
  private instant(): [number, number] {
    return normalize(this.wallDays, this.wallMicros - (this.offsetMinutes() ?? 0) * 60_000_000);
  }

  private fields(): DateFields {
    const offsetMinutes = this.offsetMinutes();
    const [days, micros] = this.instant();
    return {
      year: this.year, month: this.month, day: this.day, hour: this.hour, minute: this.minute, second: this.second,
      microsecond: this.microsecond, offsetMinutes, tzname: this.tzinfo?.nameAtInstant(days * 86_400_000 + micros / 1000) ?? '',
    };
  }

  date(): PyDate {
    return new PyDate(this.year, this.month, this.day);
  }

  utcoffset(): PyTimedelta | null {
    const minutes = this.offsetMinutes();
    return minutes === null ? null : new PyTimedelta(0, minutes * 60_000_000);
  }

  tzname(): string | null {
    return this.tzinfo ? this.fields().tzname : null;
  }

  /** Seconds since the epoch; a naive value is local time, as in Python. */
  timestamp(): number {
    if (this.tzinfo) {
      const [days, micros] = this.instant();
      return days * 86_400 + micros / 1_000_000;
    }
    return this.replace({ __keywords: true, tzinfo: localZone() }).timestamp();
  }

  /** The same instant in `tz` (naive values are local time; no argument: the local zone). */
  astimezone(...args: unknown[]): PyDateTime {
    const { tz } = bindArguments('astimezone', args, ['tz'], { tz: null });
    if (!isTimezone(tz)) throw new TypeError('tz argument must be an instance of tzinfo');
    const source = this.tzinfo ? this : this.replace({ __keywords: true, tzinfo: localZone() });
    const [days, micros] = source.instant();
    return PyDateTime.fromInstant(days * US_PER_DAY + micros, tz ?? localZone());
  }

  /** pytz's `localize`: this wall-clock time in `tz`. */
  withTzinfo(tz: PyTimezone | null): PyDateTime {
    return new PyDateTime(this.wallDays, this.wallMicros, tz);
  }

  override replace(...args: unknown[]): PyDateTime {
    const current = { year: this.year, month: this.month, day: this.day, hour: this.hour, minute: this.minute, second: this.second, microsecond: this.microsecond, tzinfo: this.tzinfo };
    return PyDateTime.fromFields(bindArguments('replace', args, Object.keys(current), current));
  }

  override strftime(format: string): string {
    return strftime(this.fields(), format);
  }

  override isoformat(...args: unknown[]): string {
    const { sep, timespec } = bindArguments('isoformat', args, ['sep', 'timespec'], { sep: 'T', timespec: 'auto' });
    const fraction = { auto: this.microsecond ? 6 : 0, hours: -2, minutes: -1, seconds: 0, milliseconds: 3, microseconds: 6 }[String(timespec)];
    if (fraction === undefined) throw new Error(`ValueError: Unknown timespec value`);
    let clock = pad(this.hour);
    if (fraction >= -1) clock += `:${pad(this.minute)}`;
    if (fraction >= 0) clock += `:${pad(this.second)}`;
    if (fraction > 0) clock += '.' + pad(this.microsecond, 6).slice(0, fraction);
    const offset = this.offsetMinutes();
    const zone = offset === null ? '' : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
    return `${super.isoformat()}${String(sep)}${clock}${zone}`;
  }

  ctime(): string {
    return this.strftime('%a %b %e %H:%M:%S %Y');
  }

  override __add__(other: PyTimedelta): PyDateTime {
    if (!(other instanceof PyTimedelta)) throw new TypeError('unsupported operand type(s) for +: datetime');
    return new PyDateTime(this.wallDays + other.days, this.wallMicros + other.dayMicros, this.tzinfo);
  }

  override __radd__(other: PyTimedelta): PyDateTime {
    return this.__add__(other);
  }

  override __sub__(other: PyDateTime | PyTimedelta): PyDateTime | PyTimedelta {
    if (other instanceof PyTimedelta) return new PyDateTime(this.wallDays - other.days, this.wallMicros - other.dayMicros, this.tzinfo);
    if (!(other instanceof PyDateTime)) throw new TypeError('unsupported operand type(s) for -: datetime');
    if ((this.tzinfo === null) !== (other.tzinfo === null)) throw new TypeError("can't subtract offset-naive and offset-aware datetimes");
    const [a, b] = [this.instant(), other.instant()];
    return new PyTimedelta(a[0] - b[0], a[1] - b[1]);
  }

  override __eq__(other: unknown): boolean {
    if (!(other instanceof PyDateTime) || (this.tzinfo === null) !== (other.tzinfo === null)) return false;
    const [a, b] = [this.instant(), other.instant()];
    return a[0] === b[0] && a[1] === b[1];
  }

  /** Python's str(): `2024-01-02 03:04:05[.000006][+01:00]`. */
  override toString(): string {
    return this.isoformat(' ');
  }

  override toJSON(): string {
    return this.isoformat();
  }

  override [Symbol.toPrimitive](hint: string): string | number {
    if (hint !== 'number') return this.toString();
    const [days, micros] = this.instant();
    return days * 86_400 + micros / 1_000_000;
  }
}

function timestampArgs(name: string, args: unknown[]): { micros: number; tz: PyTimezone | null } {
  const { timestamp, tz } = bindArguments(name, args, ['timestamp', 'tz'], { tz: null });
  if (!isTimezone(tz)) throw new TypeError('tzinfo argument must be None or of a tzinfo subclass');
  return { micros: Math.round(Number(timestamp) * 1_000_000), tz };
}

const ISO = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,6})\d*)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d+)?)?)?)?)?$/;

function fromisoformat(text: unknown): PyDateTime {
  const m = ISO.exec(String(text));
  if (!m) throw new Error(`ValueError: Invalid isoformat string: '${String(text)}'`);
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  return PyDateTime.fromFields({
    year: Number(y), month: Number(mo), day: Number(d), hour: Number(h ?? 0), minute: Number(mi ?? 0), second: Number(s ?? 0),
    microsecond: Number((frac ?? '').padEnd(6, '0')), tzinfo: offset === undefined ? null : PyTimezone.fixed(parseOffset(offset.length === 3 ? `${offset}00` : offset)),
  });
}

function makeDatetimeClass(clock: () => number) {
  const params = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo'];
  const defaults = { hour: 0, minute: 0, second: 0, microsecond: 0, tzinfo: null };
  const now = (...args: unknown[]) => {
    const { tz } = bindArguments('now', args, ['tz'], { tz: null });
    if (!isTimezone(tz)) throw new TypeError('tzinfo argument must be None or of a tzinfo subclass');
    return PyDateTime.fromInstant(clock() * 1000, tz);
  };
  return Object.assign((...args: unknown[]) => PyDateTime.fromFields(bindArguments('datetime', args, params, defaults)), {
    now,
    today: () => now(),
    utcnow: () => PyDateTime.fromInstant(clock() * 1000, PyTimezone.utc).withTzinfo(null),
    fromtimestamp: (...args: unknown[]) => {
      const { micros, tz } = timestampArgs('fromtimestamp', args);
      return PyDateTime.fromInstant(micros, tz);
    },
    utcfromtimestamp: (timestamp: number) => PyDateTime.fromInstant(Math.round(timestamp * 1_000_000), PyTimezone.utc).withTzinfo(null),
    fromisoformat,
    strptime: (text: string, format: string) => {
      const parsed = strptime(text, format);
      const tzinfo = parsed.offsetMinutes === undefined ? null : PyTimezone.fixed(parsed.offsetMinutes);
      return PyDateTime.fromFields({ ...parsed.fields, tzinfo });
    },
    fromordinal: (ordinal: number) => new PyDateTime(integer('ordinal', ordinal) - ORDINAL_OF_EPOCH, 0, null),
    combine: (date: PyDate, ...rest: unknown[]) => {
      const { tzinfo } = bindArguments('combine', rest, ['time', 'tzinfo'], { time: null, tzinfo: null });
      return PyDateTime.fromFields({ year: date.year, month: date.month, day: date.day, ...defaults, tzinfo });
    },
  });
}

function makeDateClass(clock: () => number) {
  return Object.assign(
    (...args: unknown[]) => {
      const a = bindArguments('date', args, ['year', 'month', 'day']);
      return new PyDate(integer('year', a.year), integer('month', a.month), integer('day', a.day));
    },
    {
      today: () => PyDateTime.fromInstant(clock() * 1000, null).date(),
      fromisoformat: (text: string) => {
        if (!/^\d{4}-?\d{2}-?\d{2}$/.test(String(text))) throw new Error(`ValueError: Invalid isoformat string: '${String(text)}'`);
        return fromisoformat(text).date();
      },
      fromtimestamp: (timestamp: number) => PyDateTime.fromInstant(Math.round(timestamp * 1_000_000), null).date(),
      fromordinal: (ordinal: number) => PyDate.fromDays(integer('ordinal', ordinal) - ORDINAL_OF_EPOCH),
    },
  );
}

/** `datetime.timezone(timedelta(hours=2))`, `datetime.timezone.utc`. */
function makeTimezoneClass() {
  return Object.assign(
    (...args: unknown[]) => {
      const { offset, name } = bindArguments('timezone', args, ['offset', 'name'], { name: undefined });
      if (!(offset instanceof PyTimedelta)) throw new TypeError('timezone() argument 1 must be datetime.timedelta');
      const seconds = offset.total_seconds();
      if (Math.abs(seconds) >= 86_400) throw new Error('ValueError: offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)');
      return PyTimezone.fixed(Math.round(seconds / 60), name === undefined ? undefined : String(name));
    },
    { utc: PyTimezone.utc },
  );
}

/** The `datetime` module; `clock` gives the time `now()` and `today()` read, in milliseconds. */
export function datetimeModule(clock: () => number = () => Date.now()): Record<string, unknown> {
  return {
    datetime: makeDatetimeClass(clock),
    date: makeDateClass(clock),
    timedelta,
    timezone: makeTimezoneClass(),
    MINYEAR: 1,
    MAXYEAR: 9999,
  };
}
