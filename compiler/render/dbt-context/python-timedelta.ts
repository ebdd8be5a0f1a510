/**
 * Python's `datetime.timedelta`: days, seconds and microseconds, normalized as Python does
 * (0 ≤ seconds < 86400, 0 ≤ microseconds < 10⁶, days carrying the sign).
 */
import { bindArguments } from './python-args.js';

export const US_PER_DAY = 86_400_000_000;

/** Days and microseconds with 0 ≤ micros < one day (the shape of both timedelta and wall clock times). */
export function normalize(days: number, micros: number): [number, number] {
  const carry = Math.floor(micros / US_PER_DAY);
  return [days + carry, micros - carry * US_PER_DAY];
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export class PyTimedelta {
  readonly days: number;
  readonly seconds: number;
  readonly microseconds: number;

  constructor(days: number, micros: number) {
    const [d, us] = normalize(days, micros);
    this.days = d;
    this.seconds = Math.floor(us / 1_000_000);
    this.microseconds = us % 1_000_000;
  }

  /** Microseconds within the last day (0 ≤ x < one day). */
  get dayMicros(): number {
    return this.seconds * 1_000_000 + this.microseconds;
  }

  total_seconds(): number {
    return this.days * 86_400 + this.seconds + this.microseconds / 1_000_000;
  }

  __add__(other: unknown): unknown {
    if (other instanceof PyTimedelta) return new PyTimedelta(this.days + other.days, this.dayMicros + other.dayMicros);
    // date + timedelta is the date's addition.
    const radd = (other as { __radd__?: (td: PyTimedelta) => unknown } | null)?.__radd__;
    if (typeof radd === 'function') return radd.call(other, this);
    throw new TypeError('unsupported operand type(s) for +: timedelta');
  }

  __sub__(other: PyTimedelta): PyTimedelta {
    return new PyTimedelta(this.days - other.days, this.dayMicros - other.dayMicros);
  }

  __neg__(): PyTimedelta {
    return new PyTimedelta(-this.days, -this.dayMicros);
  }

  __abs__(): PyTimedelta {
    return this.days < 0 ? this.__neg__() : this;
  }

  __mul__(factor: number): PyTimedelta {
    const days = this.days * factor;
    const whole = Math.floor(days);
    return new PyTimedelta(whole, Math.round((days - whole) * US_PER_DAY + this.dayMicros * factor));
  }

  __eq__(other: unknown): boolean {
    return other instanceof PyTimedelta && other.days === this.days && other.dayMicros === this.dayMicros;
  }

  /** Python's str(): `1 day, 2:03:04.500000`, `-1 day, 23:00:00`. */
  toString(): string {
    const clock = `${Math.floor(this.seconds / 3600)}:${pad(Math.floor(this.seconds / 60) % 60)}:${pad(this.seconds % 60)}`;
    const fraction = this.microseconds ? `.${pad(this.microseconds, 6)}` : '';
    const days = this.days ? `${this.days} day${Math.abs(this.days) === 1 ? '' : 's'}, ` : '';
    return `${days}${clock}${fraction}`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.toPrimitive](hint: string): string | number {
    return hint === 'number' ? this.total_seconds() : this.toString();
  }
}

/** `timedelta(days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0)` */
export function timedelta(...args: unknown[]): PyTimedelta {
  const names = ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'];
  const a = bindArguments('timedelta', args, names, Object.fromEntries(names.map((n) => [n, 0])));
  const n = (key: string) => {
    const value = a[key];
    if (typeof value !== 'number') throw new TypeError(`unsupported type for timedelta ${key} component: ${typeof value}`);
    return value;
  };
  const days = n('weeks') * 7 + n('days');
  const whole = Math.floor(days);
  const micros = (days - whole) * US_PER_DAY + n('hours') * 3_600_000_000 + n('minutes') * 60_000_000 + n('seconds') * 1_000_000 + n('milliseconds') * 1000 + n('microseconds');
  return new PyTimedelta(whole, Math.round(micros));
}

