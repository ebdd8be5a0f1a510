/**
 * Python's strftime and strptime format codes (the C locale's names), over plain date fields.
 */
import { formatOffset } from './python-timezones.js';

export interface DateFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
  /** Minutes east of UTC; null for a naive value. */
  offsetMinutes: number | null;
  tzname: string;
}

export const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
export const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** Days since 1970-01-01 of a proleptic Gregorian date (any year, unlike Date.UTC's 0–99 quirk). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return Math.round(date.getTime() / 86_400_000);
}

export function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

/** 0 = Monday … 6 = Sunday, as Python's weekday(). */
export function weekdayOf(year: number, month: number, day: number): number {
  return (((daysFromCivil(year, month, day) + 3) % 7) + 7) % 7;
}

/** ISO year, week and weekday (1 = Monday), as Python's isocalendar(). */
export function isoCalendar(year: number, month: number, day: number): [number, number, number] {
  const days = daysFromCivil(year, month, day);
  const isoWeekday = weekdayOf(year, month, day) + 1;
  const thursday = days + 4 - isoWeekday;
  const thursdayYear = new Date(thursday * 86_400_000).getUTCFullYear();
  const week = Math.floor((thursday - daysFromCivil(thursdayYear, 1, 1)) / 7) + 1;
  return [thursdayYear, week, isoWeekday];
}

const pad = (n: number, width = 2) => (n < 0 ? '-' + String(-n).padStart(width, '0') : String(n).padStart(width, '0'));

/**
 * Formats fields with Python's codes; `%-d` (no padding) as glibc does.
 *
 * @example strftime(fields, '%Y-%m-%d %H:%M') → '2024-01-02 03:04'
 */
export function strftime(f: DateFields, format: string): string {
  const weekday = weekdayOf(f.year, f.month, f.day);
  const yday = daysFromCivil(f.year, f.month, f.day) - daysFromCivil(f.year, 1, 1);
  const hour12 = f.hour % 12 === 0 ? 12 : f.hour % 12;
  const code = (c: string): string => {
    switch (c) {
      case 'a': return DAY_NAMES[weekday]!.slice(0, 3);
      case 'A': return DAY_NAMES[weekday]!;
      case 'w': return String((weekday + 1) % 7);
      case 'u': return String(weekday + 1);
      case 'd': return pad(f.day);
      case 'e': return String(f.day).padStart(2, ' ');
      case 'b': case 'h': return MONTH_NAMES[f.month - 1]!.slice(0, 3);
      case 'B': return MONTH_NAMES[f.month - 1]!;
      case 'm': return pad(f.month);
      case 'y': return pad(((f.year % 100) + 100) % 100);
      case 'Y': return pad(f.year, 4);
      case 'C': return pad(Math.floor(f.year / 100));
      case 'H': return pad(f.hour);
      case 'I': return pad(hour12);
      case 'p': return f.hour < 12 ? 'AM' : 'PM';
      case 'M': return pad(f.minute);
      case 'S': return pad(f.second);
      case 'f': return pad(f.microsecond, 6);
      case 'z': return f.offsetMinutes === null ? '' : formatOffset(f.offsetMinutes, '');
      case 'Z': return f.offsetMinutes === null ? '' : f.tzname;
      case 'j': return pad(yday + 1, 3);
      case 'U': return pad(Math.floor((yday + 7 - ((weekday + 1) % 7)) / 7));
      case 'W': return pad(Math.floor((yday + 7 - weekday) / 7));
      case 'G': return pad(isoCalendar(f.year, f.month, f.day)[0], 4);
      case 'V': return pad(isoCalendar(f.year, f.month, f.day)[1]);
      case 'c': return strftime(f, '%a %b %e %H:%M:%S %Y');
      case 'x': return strftime(f, '%m/%d/%y');
      case 'X': case 'T': return strftime(f, '%H:%M:%S');
      case 'D': return strftime(f, '%m/%d/%y');
      case 'F': return strftime(f, '%Y-%m-%d');
      case 'R': return strftime(f, '%H:%M');
      case 's': return String(Math.floor(daysFromCivil(f.year, f.month, f.day) * 86_400 + f.hour * 3600 + f.minute * 60 + f.second - (f.offsetMinutes ?? 0) * 60));
      case 'n': return '\n';
      case 't': return '\t';
      case '%': return '%';
      default: return '%' + c;
    }
  };
  return String(format).replace(/%(-?)([A-Za-z%])/g, (_m, noPad: string, c: string) => {
    const text = code(c);
    return noPad && /^[0 ]\d/.test(text) ? text.replace(/^[0 ]+(?=\d)/, '') : text;
  });
}

const STRPTIME_CODES: Record<string, string> = {
  Y: '(?<Y>\\d{4})',
  y: '(?<y>\\d{2})',
  m: '(?<m>1[0-2]|0[1-9]|[1-9])',
  d: '(?<d>3[01]|[12]\\d|0[1-9]|[1-9]| [1-9])',
  H: '(?<H>2[0-3]|[0-1]\\d|\\d)',
  I: '(?<I>1[0-2]|0[1-9]|[1-9])',
  M: '(?<M>[0-5]\\d|\\d)',
  S: '(?<S>6[0-1]|[0-5]\\d|\\d)',
  f: '(?<f>\\d{1,6})',
  p: '(?<p>am|pm)',
  b: `(?<b>${MONTH_NAMES.map((m) => m.slice(0, 3)).join('|')})`,
  B: `(?<B>${MONTH_NAMES.join('|')})`,
  a: `(?:${DAY_NAMES.map((d) => d.slice(0, 3)).join('|')})`,
  A: `(?:${DAY_NAMES.join('|')})`,
  j: '(?<j>36[0-6]|3[0-5]\\d|[12]\\d\\d|0[1-9]\\d|00[1-9]|[1-9]\\d|0[1-9]|[1-9])',
  z: '(?<z>Z|[+-]\\d\\d:?[0-5]\\d(?::?[0-5]\\d)?)',
  Z: '(?<Z>UTC|GMT|[A-Z]{3,5})?',
  '%': '%',
};
STRPTIME_CODES.h = STRPTIME_CODES.b!.replace('<b>', '<h>');

export interface ParsedTime {
  fields: Omit<DateFields, 'offsetMinutes' | 'tzname'>;
  /** From %z; undefined when the format has none. */
  offsetMinutes?: number;
}

/**
 * Parses text with Python's strptime codes; throws Python's ValueError message when it does not match.
 *
 * @example strptime('2024-01-02', '%Y-%m-%d').fields → {year: 2024, month: 1, day: 2, hour: 0, …}
 */
export function strptime(text: string, format: string): ParsedTime {
  let source = '';
  const fmt = String(format);
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch === '%' && i + 1 < fmt.length) {
      const c = fmt[++i]!;
      const piece = STRPTIME_CODES[c];
      if (piece === undefined) throw new Error(`ValueError: '${c}' is a bad directive in format '${fmt}'`);
      source += piece;
    } else if (/\s/.test(ch)) {
      source += '\\s+';
      while (i + 1 < fmt.length && /\s/.test(fmt[i + 1]!)) i++;
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  const match = new RegExp(`^${source}$`, 'i').exec(String(text));
  if (!match) throw new Error(`ValueError: time data '${text}' does not match format '${fmt}'`);
  const g = match.groups ?? {};
  const num = (key: string) => (g[key] === undefined ? undefined : Number(g[key]));
  const monthName = g.B ?? g.b ?? g.h;
  let year = num('Y') ?? (g.y !== undefined ? (Number(g.y) < 69 ? 2000 : 1900) + Number(g.y) : 1900);
  let month = monthName ? MONTH_NAMES.findIndex((m) => m.toLowerCase().startsWith(monthName.toLowerCase())) + 1 : num('m') ?? 1;
  let day = num('d') ?? 1;
  if (g.j !== undefined && g.m === undefined && g.d === undefined && !monthName) {
    const date = new Date((daysFromCivil(year, 1, 1) + Number(g.j) - 1) * 86_400_000);
    [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  }
  let hour = num('H') ?? 0;
  if (g.I !== undefined) hour = (Number(g.I) % 12) + (g.p?.toLowerCase() === 'pm' ? 12 : 0);
  const microsecond = g.f === undefined ? 0 : Number(g.f.padEnd(6, '0'));
  const parsed: ParsedTime = { fields: { year, month, day, hour, minute: num('M') ?? 0, second: num('S') ?? 0, microsecond } };
  if (g.z !== undefined) parsed.offsetMinutes = parseOffset(g.z);
  return parsed;
}

/** `Z`, `+0530`, `-05:30` → minutes east of UTC. */
export function parseOffset(text: string): number {
  if (text === 'Z' || text === 'z') return 0;
  const m = /^([+-])(\d\d):?(\d\d)(?::?(\d\d))?/.exec(text);
  if (!m) throw new Error(`ValueError: invalid UTC offset '${text}'`);
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}
