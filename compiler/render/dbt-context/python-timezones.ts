/**
 * Time zones for the `datetime` and `pytz` modules: fixed offsets (UTC, `datetime.timezone(td)`, ISO
 * offsets) and IANA names resolved through Intl, so daylight saving time follows the zone's rules.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, found);
  }
  return found;
}

/** A tzinfo: a name and the offset from UTC (in minutes) at any instant. */
export class PyTimezone {
  /** pytz's name of the zone (`pytz.timezone('Europe/Paris').zone`). */
  readonly zone: string;

  private constructor(
    zone: string,
    private readonly fixedMinutes: number | undefined,
  ) {
    this.zone = zone;
  }

  static readonly utc = new PyTimezone('UTC', 0);

  /** A fixed offset; named like Python's `datetime.timezone` (`UTC+05:30`) unless a name is given. */
  static fixed(minutes: number, name?: string): PyTimezone {
    if (minutes === 0 && name === undefined) return PyTimezone.utc;
    return new PyTimezone(name ?? `UTC${formatOffset(minutes, ':')}`, minutes);
  }

  /** An IANA zone; throws for a name Intl does not know (pytz's UnknownTimeZoneError). */
  static named(zone: string): PyTimezone {
    if (/^(utc|gmt|z)$/i.test(zone)) return zone === 'UTC' ? PyTimezone.utc : new PyTimezone(zone, 0);
    try {
      formatter(zone);
    } catch {
      throw new Error(`UnknownTimeZoneError: '${zone}'`);
    }
    return new PyTimezone(zone, undefined);
  }

  /** Minutes east of UTC at the instant `utcMs`. */
  offsetAtInstant(utcMs: number): number {
    if (this.fixedMinutes !== undefined) return this.fixedMinutes;
    const seconds = Math.floor(utcMs / 1000) * 1000;
    const parts = formatter(this.zone).formatToParts(new Date(seconds));
    const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
    const bc = parts.find((part) => part.type === 'era')?.value === 'BC';
    const wall = new Date(0);
    wall.setUTCFullYear(bc ? 1 - get('year') : get('year'), get('month') - 1, get('day'));
    wall.setUTCHours(get('hour'), get('minute'), get('second'), 0);
    return Math.round((wall.getTime() - seconds) / 60_000);
  }

  /**
   * Minutes east of UTC for a wall-clock time in this zone (as ms since the epoch read as UTC). In a
   * gap or overlap of daylight saving time this settles on one of the two offsets.
   */
  offsetForWall(wallMs: number): number {
    if (this.fixedMinutes !== undefined) return this.fixedMinutes;
    const first = this.offsetAtInstant(wallMs);
    const second = this.offsetAtInstant(wallMs - first * 60_000);
    return first === second ? first : this.offsetAtInstant(wallMs - second * 60_000);
  }

  /** The zone's abbreviation at an instant, as Intl spells it (`CET`, `GMT+1`). */
  nameAtInstant(utcMs: number): string {
    if (this.fixedMinutes !== undefined) return this.zone;
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: this.zone, timeZoneName: 'short' }).formatToParts(new Date(utcMs));
    return parts.find((part) => part.type === 'timeZoneName')?.value ?? this.zone;
  }

  /** pytz's `tz.localize(naive_dt)`: the same wall-clock time, in this zone. */
  localize(dt: { withTzinfo(tz: PyTimezone): unknown }): unknown {
    return dt.withTzinfo(this);
  }

  /** pytz's `tz.normalize(dt)`: offsets here always follow the wall-clock time, so there is nothing to fix. */
  normalize<T>(dt: T): T {
    return dt;
  }

  toString(): string {
    return this.zone;
  }

  toJSON(): string {
    return this.zone;
  }
}

/** `+05:30` (separator ':') or `+0530` (separator ''). */
export function formatOffset(minutes: number, separator: string): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${separator}${String(abs % 60).padStart(2, '0')}`;
}

/** Every IANA zone name this runtime knows. */
export function allTimezones(): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  return supported ? supported('timeZone') : ['UTC'];
}
