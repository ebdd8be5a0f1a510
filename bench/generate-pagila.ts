/**
 * Writes Pagila-shaped CSV data: the real Pagila tables, column names and types, with synthetic rows.
 *
 *   npm run generate -- --scale 10 --out /tmp/pagila10 [--seed 20220524]
 *
 * At scale 1 the row counts match Pagila (599 customers, 16,044 rentals, 16,049 payments, 4,581
 * inventory items, 1,000 films, 603 addresses); scale N multiplies customers, inventory, rentals and
 * payments by N. Unlike the real data, the rows are shaped to reach every branch of the models:
 * a long-tailed spend so all four customer tiers are well populated (and a few customers sit exactly on
 * a tier threshold or one cent below it), customers without rentals, rentals never returned, zero-amount
 * payments, rentals paid in two payments, and customers who stop renting part-way through the year.
 *
 * Output is a pure function of (scale, seed): a seeded PRNG, no clock, and every table written in
 * a fixed order, so the same arguments give byte-identical files.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const DEFAULT_SEED = 20220524;

const BASE = {
  customers: 599,
  rentals: 16_044,
  extraPayments: 5, // rentals paid in two payments: 16,044 + 5 = 16,049 payments
  inventory: 4_581,
  films: 1_000,
  filmsWithoutInventory: 42,
  cities: 600,
  addresses: 603,
  customersWithoutRentals: 15,
};

const UNRETURNED_SHARE = 0.018;
const ZERO_PAYMENT_SHARE = 0.006;
/** Spread of the per-customer rental rate (log-normal, median 1): the long tail of spend. */
const WEIGHT_SIGMA = 0.95;

// The behaviour model: how long a customer stays and what the months before leaving look like.
// A customer churns after an exponential lifetime whose hazard falls with engagement:
//   monthly hazard = CHURN_HAZARD × rate^-CHURN_ENGAGEMENT, so heavy renters stay longer.
const CHURN_HAZARD = 0.07;
const CHURN_ENGAGEMENT = 0.5;
/** Before the last rental of a churner: days of cooling off, in which the rate falls linearly to COOLING_FLOOR × rate. */
const COOLING_MIN_DAYS = 45;
const COOLING_MAX_DAYS = 110;
const COOLING_FLOOR = 0.15;
/** Share of returns that come back late: per customer between LATE_SHARE_MIN and LATE_SHARE_MAX, plus LATE_SHARE_COOLING while cooling off. */
const LATE_SHARE_MIN = 0.2;
const LATE_SHARE_MAX = 0.55;
const LATE_SHARE_COOLING = 0.35;
/** Acquisition over the year: start = random()^ACQUISITION_SKEW × ACQUISITION_DAYS, more customers early. */
const ACQUISITION_SKEW = 1.6;
const ACQUISITION_DAYS = 360;

const DAY = 86_400;
const MONTH = 30.4375 * DAY;
/** 2022-01-01T00:00:00Z in Unix seconds; every time below is seconds since this instant. */
const YEAR_START = Date.UTC(2022, 0, 1) / 1000;
const YEAR_SECONDS = 365 * DAY;
const LAST_SECOND = YEAR_SECONDS - 1;

// ---------------------------------------------------------------------------------------------------
// Random numbers: sfc32, seeded through splitmix32 so nearby seeds give unrelated streams.

type Random = () => number;

function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const splitmix = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

const randomInt = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];

function standardNormal(random: Random): number {
  const u = 1 - random(); // (0, 1]
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** `count` distinct integers from [0, n), in ascending order. */
function sampleDistinct(random: Random, n: number, count: number): number[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, n)) chosen.add(Math.floor(random() * n));
  return [...chosen].sort((x, y) => x - y);
}

// ---------------------------------------------------------------------------------------------------
// Formatting: timestamps as Postgres prints timestamptz in UTC, money from integer cents, RFC 4180 CSV.

const dayStrings = new Map<number, string>();

function formatDate(seconds: number): string {
  const day = Math.floor(seconds / DAY);
  let text = dayStrings.get(day);
  if (text === undefined) {
    text = new Date((YEAR_START + day * DAY) * 1000).toISOString().slice(0, 10);
    dayStrings.set(day, text);
  }
  return text;
}

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** `2022-05-24 22:53:30+00` */
function formatTimestamp(seconds: number): string {
  const inDay = seconds - Math.floor(seconds / DAY) * DAY;
  const h = Math.floor(inDay / 3600);
  const m = Math.floor((inDay % 3600) / 60);
  return `${formatDate(seconds)} ${two(h)}:${two(m)}:${two(inDay % 60)}+00`;
}

function formatCents(cents: number): string {
  const whole = Math.floor(cents / 100);
  return `${whole}.${two(cents % 100)}`;
}

type Field = string | number | boolean | null;

/** Empty unquoted is NULL; an empty string is `""`; quoted only when a comma, quote or newline needs it. */
function csvField(value: Field): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  if (value === '') return '""';
  if (/[",\r\n]/.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/** Buffers rows and writes them in ~1 MB blocks, so millions of rows never sit in memory as text. */
class CsvWriter {
  private readonly fd: number;
  private buffer = '';
  rows = 0;

  constructor(path: string, header: readonly string[]) {
    this.fd = openSync(path, 'w');
    this.buffer = header.join(',') + '\n';
  }

  row(fields: readonly Field[]): void {
    this.raw(fields.map(csvField).join(','));
  }

  /** A line already formatted (for the large tables, whose fields never need quoting). */
  raw(line: string): void {
    this.buffer += line + '\n';
    this.rows++;
    if (this.buffer.length > 1 << 20) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.buffer.length > 0) writeSync(this.fd, this.buffer);
    this.buffer = '';
  }
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary

const COUNTRIES = [
  'Algeria', 'Argentina', 'Australia', 'Austria', 'Bangladesh', 'Brazil', 'Canada', 'Chile', 'China',
  'Colombia', 'Czech Republic', 'Egypt', 'Finland', 'France', 'Germany', 'Greece', 'India', 'Indonesia',
  'Iran', 'Israel', 'Italy', 'Japan', 'Kenya', 'Malaysia', 'Mexico', 'Morocco', 'Netherlands',
  'New Zealand', 'Nigeria', 'Pakistan', 'Peru', 'Philippines', 'Poland', 'Portugal', 'Russian Federation',
  'Saudi Arabia', 'South Africa', 'South Korea', 'Spain', 'Sweden', 'Switzerland', 'Taiwan', 'Thailand',
  'Turkey', 'Ukraine', 'United Kingdom', 'United States', 'Venezuela', 'Vietnam', 'Yemen',
];
const COUNTRY_WEIGHT_HEAVY = new Set(['India', 'China', 'United States', 'Japan', 'Mexico', 'Brazil']);

const CITY_PARTS_A = ['San', 'Port', 'New', 'Lake', 'North', 'West', 'East', 'Saint', 'Fort', 'Mount', 'El', 'La'];
const CITY_PARTS_B = [
  'Alba', 'Bara', 'Cora', 'Dela', 'Esto', 'Fara', 'Gala', 'Hira', 'Ilo', 'Jova', 'Kala', 'Lumo', 'Mira',
  'Nara', 'Oro', 'Pela', 'Quira', 'Rosa', 'Sola', 'Tara', 'Ura', 'Vela', 'Wara', 'Yala', 'Zara',
];
const CITY_PARTS_C = ['bad', 'burg', 'dale', 'field', 'ford', 'grad', 'haven', 'ico', 'ville', 'pur', 'stad', 'ton', 'via', ''];
const DISTRICTS = [
  'Alberta', 'Buenos Aires', 'California', 'Central', 'Distrito Federal', 'England', 'Gujarat',
  'Hamilton, Ontario', 'Istanbul', 'Kanagawa', 'Maharashtra', 'Nordrhein-Westfalen', 'QLD', 'Shandong',
  'Texas', 'West Java',
];
const STREET_NAMES = [
  'Abbey', 'Bamboo', 'Cedar', 'Delhi', 'Elm', 'Fir', 'Garden', 'Harbor', 'Iris', 'Juniper', 'Kings',
  'Laurel', 'Maple', 'Nile', 'Oak', 'Pine', 'Queens', 'Ridge', 'Sakila', 'Tulip', 'Union', 'Valley',
  'Willow', 'York',
];
const STREET_KINDS = ['Avenue', 'Boulevard', 'Drive', 'Lane', 'Manor', 'Parkway', 'Place', 'Road', 'Street', 'Way'];

const FIRST_NAMES = [
  'MARY', 'PATRICIA', 'LINDA', 'BARBARA', 'ELIZABETH', 'JENNIFER', 'MARIA', 'SUSAN', 'MARGARET', 'DOROTHY',
  'LISA', 'NANCY', 'KAREN', 'BETTY', 'HELEN', 'SANDRA', 'DONNA', 'CAROL', 'RUTH', 'SHARON', 'JAMES',
  'JOHN', 'ROBERT', 'MICHAEL', 'WILLIAM', 'DAVID', 'RICHARD', 'CHARLES', 'JOSEPH', 'THOMAS', 'CHRISTOPHER',
  'DANIEL', 'PAUL', 'MARK', 'DONALD', 'GEORGE', 'KENNETH', 'STEVEN', 'EDWARD', 'BRIAN', 'RONALD', 'ANTHONY',
  'KEVIN', 'JASON', 'MATTHEW', 'GARY', 'TIMOTHY', 'JOSE', 'LARRY', 'JEFFREY', 'AUSTIN', 'CHLOE', 'ZOE',
];
const LAST_NAMES = [
  'SMITH', 'JOHNSON', 'WILLIAMS', 'JONES', 'BROWN', 'DAVIS', 'MILLER', 'WILSON', 'MOORE', 'TAYLOR',
  'ANDERSON', 'THOMAS', 'JACKSON', 'WHITE', 'HARRIS', 'MARTIN', 'THOMPSON', 'GARCIA', 'MARTINEZ',
  'ROBINSON', 'CLARK', 'RODRIGUEZ', 'LEWIS', 'LEE', 'WALKER', 'HALL', 'ALLEN', 'YOUNG', 'HERNANDEZ',
  'KING', 'WRIGHT', 'LOPEZ', 'HILL', 'SCOTT', 'GREEN', 'ADAMS', 'BAKER', 'GONZALEZ', 'NELSON', 'CARTER',
  'MITCHELL', 'PEREZ', 'ROBERTS', 'TURNER', 'PHILLIPS', "O'BRIEN", 'CAMPBELL', 'PARKER', 'EVANS', 'EDWARDS',
];

const TITLE_WORDS_A = [
  'ACADEMY', 'ACE', 'AFFAIR', 'AFRICAN', 'AGENT', 'ALABAMA', 'ALADDIN', 'ALAMO', 'ALIEN', 'ALONE',
  'AMADEUS', 'AMERICAN', 'ANGELS', 'APACHE', 'ARABIA', 'ARMAGEDDON', 'ATLANTIS', 'BABY', 'BACKLASH',
  'BALLOON', 'BANGER', 'BEAST', 'BEDAZZLED', 'BIRDS', 'BLADE', 'BLUES', 'BOILED', 'BRIDE', 'BUBBLE',
  'BULL', 'CANDLES', 'CARIBBEAN', 'CHAMBER', 'CHICAGO', 'CIRCUS', 'CLOSER', 'COMA', 'CROW', 'DANCING',
  'DESERT', 'DRAGON', 'DUCK', 'EAGLES',
];
const TITLE_WORDS_B = [
  'DINOSAUR', 'GOLDFINGER', 'PREJUDICE', 'EGG', 'TRUMAN', 'GRAFFITI', 'LOST', 'FRONTIER', 'HOLES',
  'TRIP', 'GROOVE', 'INVASION', 'CLUB', 'GUN', 'DOORS', 'BLANKET', 'UNTOUCHABLES', 'COLOSSUS', 'BROTHERHOOD',
  'HEARTS', 'SUMMER', 'PANKY', 'AIRPORT', 'CLONES', 'SQUAD', 'PHANTOM', 'DANGEROUS', 'BUBBLE', 'TRAP',
  'SILENCE', 'CONFESSIONS', 'EXPRESS', 'KILLER', 'ROAD', 'SPIRITED', 'DAWN', 'WARS', 'MOON', 'FEVER',
  'STORY', 'TOWN', 'HUNTER', 'WIZARD',
];
const DESCRIPTION_ADJECTIVES = [
  'Epic', 'Astounding', 'Fanciful', 'Fast-Paced', 'Thoughtful', 'Beautiful', 'Touching', 'Emotional',
  'Action-Packed', 'Insightful', 'Intrepid', 'Boring', 'Unbelieveable', 'Awe-Inspiring', 'Lacklusture',
];
const DESCRIPTION_GENRES = ['Drama', 'Documentary', 'Story', 'Saga', 'Reflection', 'Tale', 'Yarn', 'Display', 'Panorama'];
const DESCRIPTION_CHARACTERS = [
  'Feminist', 'Mad Scientist', 'Teacher', 'Dentist', 'Astronaut', 'Boat', 'Composer', 'Crocodile',
  'Database Administrator', 'Explorer', 'Frisbee', 'Girl', 'Husband', 'Lumberjack', 'Monkey', 'Pastry Chef',
  'Robot', 'Secret Agent', 'Shark', 'Squirrel', 'Student', 'Technical Writer', 'Woman',
];
const DESCRIPTION_VERBS = ['Battle', 'Chase', 'Confront', 'Defeat', 'Discover', 'Find', 'Fight', 'Meet', 'Outgun', 'Overcome', 'Pursue', 'Reach', 'Sink', 'Succumb', 'Vanquish'];
const DESCRIPTION_PLACES = [
  'The Canadian Rockies', 'A Shark Tank', 'The Gulf of Mexico', 'A Manhattan Penthouse', 'Ancient China',
  'An Abandoned Fun House', 'A Baloon Factory', 'Soviet Georgia', 'The Outback', 'A MySQL Convention',
  'Nigeria', 'A Jet Boat', 'Berlin', 'The Sahara Desert', 'A U-Boat',
];

const CATEGORIES = [
  'Action', 'Animation', 'Children', 'Classics', 'Comedy', 'Documentary', 'Drama', 'Family', 'Foreign',
  'Games', 'Horror', 'Music', 'New', 'Sci-Fi', 'Sports', 'Travel',
];
const LANGUAGES = ['English', 'Italian', 'Japanese', 'Mandarin', 'French', 'German'];
const RATINGS = ['G', 'PG', 'PG-13', 'R', 'NC-17'];
const RENTAL_RATES_CENTS = [99, 299, 499];

/** Reference-data timestamps: fixed instants, as in Pagila where every lookup row shares one. */
const REFERENCE_UPDATE = YEAR_START + 44 * DAY + 9 * 3600 + 46 * 60 + 10; // 2022-02-14 09:46:10
const STAFF_UPDATE = YEAR_START + 44 * DAY + 3 * 3600 + 57 * 60 + 16;

function referenceTimestamp(offsetSeconds: number): string {
  return formatTimestamp(offsetSeconds - YEAR_START);
}

// ---------------------------------------------------------------------------------------------------
// Generation

interface Options {
  scale: number;
  out: string;
  seed: number;
}

interface Film {
  rentalDuration: number;
  rentalRateCents: number;
}

function writeReferenceTables(random: Random, out: string, counts: Record<string, number>): Film[] {
  const updated = referenceTimestamp(REFERENCE_UPDATE);

  const country = new CsvWriter(join(out, 'country.csv'), ['country_id', 'country', 'last_update']);
  COUNTRIES.forEach((name, i) => country.row([i + 1, name, updated]));
  country.close();

  // Cities lean towards a few large countries, as Pagila's do.
  const countryPool: number[] = [];
  COUNTRIES.forEach((name, i) => {
    const copies = COUNTRY_WEIGHT_HEAVY.has(name) ? 6 : 1;
    for (let k = 0; k < copies; k++) countryPool.push(i + 1);
  });
  const city = new CsvWriter(join(out, 'city.csv'), ['city_id', 'city', 'country_id', 'last_update']);
  const cityNames = new Set<string>();
  for (let i = 1; i <= BASE.cities; i++) {
    let name = '';
    do {
      const stem = pick(random, CITY_PARTS_B) + pick(random, CITY_PARTS_C);
      name = random() < 0.3 ? `${pick(random, CITY_PARTS_A)} ${stem}` : stem;
    } while (cityNames.has(name));
    cityNames.add(name);
    city.row([i, name, pick(random, countryPool), updated]);
  }
  city.close();

  const address = new CsvWriter(join(out, 'address.csv'), [
    'address_id', 'address', 'address2', 'district', 'city_id', 'postal_code', 'phone', 'last_update',
  ]);
  for (let i = 1; i <= BASE.addresses; i++) {
    const street = `${randomInt(random, 1, 1999)} ${pick(random, STREET_NAMES)} ${pick(random, STREET_KINDS)}`;
    const line2 = random() < 0.05 ? `Suite ${randomInt(random, 1, 400)}` : null;
    const postal = random() < 0.01 ? null : String(randomInt(random, 1000, 99999)).padStart(5, '0');
    const phone = i <= 4 ? null : String(randomInt(random, 100000000, 999999999)) + String(randomInt(random, 100, 999));
    address.row([i, street, line2, pick(random, DISTRICTS), randomInt(random, 1, BASE.cities), postal, phone ?? '', updated]);
  }
  address.close();

  const language = new CsvWriter(join(out, 'language.csv'), ['language_id', 'name', 'last_update']);
  LANGUAGES.forEach((name, i) => language.row([i + 1, name, updated]));
  language.close();

  const category = new CsvWriter(join(out, 'category.csv'), ['category_id', 'name', 'last_update']);
  CATEGORIES.forEach((name, i) => category.row([i + 1, name, updated]));
  category.close();

  const staff = new CsvWriter(join(out, 'staff.csv'), [
    'staff_id', 'first_name', 'last_name', 'address_id', 'email', 'store_id', 'active', 'username', 'last_update',
  ]);
  const staffUpdated = referenceTimestamp(STAFF_UPDATE);
  staff.row([1, 'Mike', 'Hillyer', 3, 'Mike.Hillyer@sakilastaff.com', 1, true, 'Mike', staffUpdated]);
  staff.row([2, 'Jon', 'Stephens', 4, 'Jon.Stephens@sakilastaff.com', 2, true, 'Jon', staffUpdated]);
  staff.close();

  const store = new CsvWriter(join(out, 'store.csv'), ['store_id', 'manager_staff_id', 'address_id', 'last_update']);
  store.row([1, 1, 1, staffUpdated]);
  store.row([2, 2, 2, staffUpdated]);
  store.close();

  // Films: unique two-word titles, a prose description (some with a comma, to exercise CSV quoting).
  const film = new CsvWriter(join(out, 'film.csv'), [
    'film_id', 'title', 'description', 'release_year', 'language_id', 'rental_duration', 'rental_rate',
    'length', 'replacement_cost', 'rating', 'last_update',
  ]);
  const filmCategory = new CsvWriter(join(out, 'film_category.csv'), ['film_id', 'category_id', 'last_update']);
  const titleIndexes = sampleDistinct(random, TITLE_WORDS_A.length * TITLE_WORDS_B.length, BASE.films);
  const films: Film[] = [];
  for (let i = 1; i <= BASE.films; i++) {
    const t = titleIndexes[i - 1];
    const title = `${TITLE_WORDS_A[t % TITLE_WORDS_A.length]} ${TITLE_WORDS_B[Math.floor(t / TITLE_WORDS_A.length)]}`;
    const joiner = random() < 0.2 ? ', and' : ' And';
    const description =
      `A ${pick(random, DESCRIPTION_ADJECTIVES)} ${pick(random, DESCRIPTION_GENRES)} of a ${pick(random, DESCRIPTION_CHARACTERS)}` +
      `${joiner} a ${pick(random, DESCRIPTION_CHARACTERS)} who must ${pick(random, DESCRIPTION_VERBS)} a ` +
      `${pick(random, DESCRIPTION_CHARACTERS)} in ${pick(random, DESCRIPTION_PLACES)}`;
    const rentalDuration = randomInt(random, 3, 7);
    const rentalRateCents = pick(random, RENTAL_RATES_CENTS);
    const languageId = random() < 0.9 ? 1 : randomInt(random, 2, LANGUAGES.length);
    const replacementCents = randomInt(random, 9, 29) * 100 + 99;
    films.push({ rentalDuration, rentalRateCents });
    film.row([
      i, title, description, 2006, languageId, rentalDuration, formatCents(rentalRateCents),
      randomInt(random, 46, 185), formatCents(replacementCents), pick(random, RATINGS), updated,
    ]);
    filmCategory.row([i, randomInt(random, 1, CATEGORIES.length), updated]);
  }
  film.close();
  filmCategory.close();

  counts.country = COUNTRIES.length;
  counts.city = BASE.cities;
  counts.address = BASE.addresses;
  counts.language = LANGUAGES.length;
  counts.category = CATEGORIES.length;
  counts.staff = 2;
  counts.store = 2;
  counts.film = BASE.films;
  counts.film_category = BASE.films;
  return films;
}

interface Inventory {
  film: Int32Array; // film_id per inventory_id - 1
  byStore: [Int32Array, Int32Array]; // inventory ids (1-based) of store 1 and store 2
}

/** Copies per film at scale 1 (some films have none), each copy repeated `scale` times. */
function writeInventory(random: Random, out: string, scale: number): Inventory {
  const stocked = sampleDistinct(random, BASE.films, BASE.films - BASE.filmsWithoutInventory).map((i) => i + 1);
  // Every stocked film gets 2 copies; the rest of the 4,581 are spread one at a time at random.
  const copies = new Int32Array(BASE.films + 1);
  for (const filmId of stocked) copies[filmId] = 2;
  for (let left = BASE.inventory - 2 * stocked.length; left > 0; ) {
    const filmId = pick(random, stocked);
    if (copies[filmId] < 8) {
      copies[filmId]++;
      left--;
    }
  }
  const total = BASE.inventory * scale;
  const film = new Int32Array(total);
  const store = new Uint8Array(total);
  const writer = new CsvWriter(join(out, 'inventory.csv'), ['inventory_id', 'film_id', 'store_id', 'last_update']);
  const updated = referenceTimestamp(REFERENCE_UPDATE);
  let id = 0;
  for (const filmId of stocked) {
    const inStore1 = Math.max(1, Math.min(copies[filmId] - 1, randomInt(random, 0, copies[filmId])));
    for (let k = 0; k < copies[filmId]; k++) {
      const storeId = k < inStore1 ? 1 : 2;
      for (let s = 0; s < scale; s++) {
        film[id] = filmId;
        store[id] = storeId;
        id++;
        writer.raw(`${id},${filmId},${storeId},${updated}`);
      }
    }
  }
  writer.close();
  const ids = (storeId: number): Int32Array => {
    const list: number[] = [];
    for (let i = 0; i < total; i++) if (store[i] === storeId) list.push(i + 1);
    return Int32Array.from(list);
  };
  return { film, byStore: [ids(1), ids(2)] };
}

interface Customers {
  count: number;
  store: Uint8Array;
  windowStart: Int32Array; // first second the customer may rent
  windowEnd: Int32Array; // last second the customer may rent
  coolingStart: Int32Array; // from here to windowEnd the rate falls (windowEnd when the customer stays)
  lateShare: Float64Array; // share of returns that come back late, outside the cooling-off
  rentals: Int32Array; // number of rentals
}

function writeCustomers(random: Random, out: string, scale: number): Customers {
  const count = BASE.customers * scale;
  const store = new Uint8Array(count);
  const windowStart = new Int32Array(count);
  const windowEnd = new Int32Array(count);
  const coolingStart = new Int32Array(count);
  const lateShare = new Float64Array(count);
  const weight = new Float64Array(count);
  const writer = new CsvWriter(join(out, 'customer.csv'), [
    'customer_id', 'store_id', 'first_name', 'last_name', 'email', 'address_id', 'activebool', 'create_date',
    'last_update', 'active',
  ]);
  const updated = referenceTimestamp(REFERENCE_UPDATE);
  const lastRentable = LAST_SECOND - 1200;
  for (let i = 0; i < count; i++) {
    store[i] = random() < 0.55 ? 1 : 2;
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    const start = Math.floor(random() ** ACQUISITION_SKEW * ACQUISITION_DAYS * DAY);
    const rate = Math.exp(WEIGHT_SIGMA * standardNormal(random));
    // Lifetime: exponential, with a hazard that falls with the rate. Past the year's end, the customer stays.
    const hazard = CHURN_HAZARD * rate ** -CHURN_ENGAGEMENT;
    const lifetime = Math.floor((-Math.log(1 - random()) / hazard) * MONTH);
    const cooling = randomInt(random, COOLING_MIN_DAYS, COOLING_MAX_DAYS) * DAY;
    const end = Math.min(start + Math.max(lifetime, 7 * DAY), lastRentable);
    windowStart[i] = start;
    windowEnd[i] = end;
    coolingStart[i] = end < lastRentable ? Math.max(start, end - cooling) : end;
    lateShare[i] = LATE_SHARE_MIN + random() * (LATE_SHARE_MAX - LATE_SHARE_MIN);
    // Rentals follow rate × exposure: the rate integrated over the window, the cooling-off counted at its mean.
    const steady = coolingStart[i] - start;
    weight[i] = rate * (steady + ((end - coolingStart[i]) * (1 + COOLING_FLOOR)) / 2);
    const created = start - randomInt(random, 0, 400) * DAY;
    const active = random() < 0.025 ? 0 : 1;
    const email = `${first}.${last}@sakilacustomer.org`.replace(/'/g, '');
    writer.row([i + 1, store[i], first, last, email, 5 + (i % (BASE.addresses - 4)), true, formatDate(created), updated, active]);
  }
  writer.close();

  for (const i of sampleDistinct(random, count, BASE.customersWithoutRentals * scale)) weight[i] = 0;
  return { count, store, windowStart, windowEnd, coolingStart, lateShare, rentals: allocateRentals(weight, BASE.rentals * scale) };
}

/**
 * A rental time of customer c: uniform over the steady part of the window, then a density falling
 * linearly from 1 to COOLING_FLOOR over the cooling-off (inverse of its cumulative integral).
 */
function rentalTime(random: Random, customers: Customers, c: number): number {
  const start = customers.windowStart[c];
  const cool = customers.coolingStart[c];
  const length = customers.windowEnd[c] - cool;
  const steady = cool - start;
  const u = random() * (steady + (length * (1 + COOLING_FLOOR)) / 2);
  if (u < steady || length === 0) return start + Math.floor(Math.min(u, steady));
  // ∫0^x (1 − (1 − f)·t/L) dt = v  →  x = L·(1 − √(1 − 2(1 − f)v/L)) / (1 − f)
  const v = u - steady;
  const slope = 1 - COOLING_FLOOR;
  const x = (length * (1 - Math.sqrt(Math.max(0, 1 - (2 * slope * v) / length)))) / slope;
  return cool + Math.min(length, Math.floor(x));
}

/** Splits `total` rentals over customers in proportion to weight: one each, the rest by largest remainder. */
function allocateRentals(weight: Float64Array, total: number): Int32Array {
  const counts = new Int32Array(weight.length);
  let renters = 0;
  let weightSum = 0;
  for (let i = 0; i < weight.length; i++) {
    if (weight[i] > 0) {
      renters++;
      weightSum += weight[i];
    }
  }
  const spread = total - renters;
  const remainders: Array<[number, number]> = [];
  let given = 0;
  for (let i = 0; i < weight.length; i++) {
    if (weight[i] === 0) continue;
    const exact = (weight[i] / weightSum) * spread;
    counts[i] = 1 + Math.floor(exact);
    given += counts[i];
    remainders.push([exact - Math.floor(exact), i]);
  }
  remainders.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  for (let k = 0; given < total; k++, given++) counts[remainders[k][1]]++;
  return counts;
}

interface Rentals {
  count: number;
  date: Int32Array;
  customer: Int32Array; // 0-based
  inventory: Int32Array;
  staff: Uint8Array;
  returned: Int32Array; // -1 when never returned
}

function generateRentals(random: Random, customers: Customers, inventory: Inventory, films: Film[]): Rentals {
  let count = 0;
  for (let i = 0; i < customers.count; i++) count += customers.rentals[i];
  const date = new Int32Array(count);
  const customer = new Int32Array(count);
  const inventoryId = new Int32Array(count);
  const staff = new Uint8Array(count);
  const returned = new Int32Array(count);
  let r = 0;
  for (let c = 0; c < customers.count; c++) {
    for (let k = 0; k < customers.rentals[c]; k++, r++) {
      date[r] = rentalTime(random, customers, c);
      customer[r] = c;
      const storeIndex = random() < 0.85 ? customers.store[c] - 1 : 2 - customers.store[c];
      const items = inventory.byStore[storeIndex];
      inventoryId[r] = items[Math.floor(random() * items.length)];
      staff[r] = storeIndex + 1;
      const allowed = films[inventory.film[inventoryId[r] - 1] - 1].rentalDuration;
      if (random() < UNRETURNED_SHARE) {
        returned[r] = -1;
      } else {
        // Mostly back within the allowed days; a long tail of late returns, longer while cooling off.
        const cooling = date[r] >= customers.coolingStart[c] && customers.coolingStart[c] < customers.windowEnd[c];
        const late = random() < customers.lateShare[c] + (cooling ? LATE_SHARE_COOLING : 0);
        const days = late ? allowed + random() * random() * 8 : 0.3 + random() * allowed;
        returned[r] = date[r] + Math.floor(days * DAY);
      }
    }
  }
  // rental_id follows rental_date, as in Pagila: sort on (date, generation index) packed into one double.
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) keys[i] = date[i] * 2 ** 25 + i;
  keys.sort();
  const order = (source: Int32Array | Uint8Array, target: Int32Array | Uint8Array): void => {
    for (let i = 0; i < count; i++) target[i] = source[keys[i] % 2 ** 25];
  };
  const sorted: Rentals = {
    count,
    date: new Int32Array(count),
    customer: new Int32Array(count),
    inventory: new Int32Array(count),
    staff: new Uint8Array(count),
    returned: new Int32Array(count),
  };
  order(date, sorted.date);
  order(customer, sorted.customer);
  order(inventoryId, sorted.inventory);
  order(staff, sorted.staff);
  order(returned, sorted.returned);
  return sorted;
}

function writeRentals(out: string, rentals: Rentals): void {
  const writer = new CsvWriter(join(out, 'rental.csv'), [
    'rental_id', 'rental_date', 'inventory_id', 'customer_id', 'return_date', 'staff_id', 'last_update',
  ]);
  for (let i = 0; i < rentals.count; i++) {
    const rentedAt = formatTimestamp(rentals.date[i]);
    const back = rentals.returned[i];
    const returnDate = back < 0 ? '' : formatTimestamp(back);
    const lastUpdate = back < 0 ? rentedAt : returnDate;
    writer.raw(`${i + 1},${rentedAt},${rentals.inventory[i]},${rentals.customer[i] + 1},${returnDate},${rentals.staff[i]},${lastUpdate}`);
  }
  writer.close();
}

interface Payments {
  count: number;
  rental: Int32Array; // 0-based rental index
  date: Int32Array;
  cents: Int32Array;
}

function generatePayments(random: Random, rentals: Rentals, inventory: Inventory, films: Film[], customers: Customers, scale: number): Payments {
  const splitRentals = new Set<number>();
  while (splitRentals.size < BASE.extraPayments * scale) {
    const r = Math.floor(random() * rentals.count);
    if (rentals.returned[r] >= 0) splitRentals.add(r);
  }
  const count = rentals.count + splitRentals.size;
  const rental = new Int32Array(count);
  const date = new Int32Array(count);
  const cents = new Int32Array(count);
  let p = 0;
  for (let r = 0; r < rentals.count; r++) {
    const film = films[inventory.film[rentals.inventory[r] - 1] - 1];
    let amount = film.rentalRateCents;
    if (rentals.returned[r] >= 0) {
      const daysLate = Math.ceil((rentals.returned[r] - rentals.date[r]) / DAY) - film.rentalDuration;
      if (daysLate > 0) amount += 100 * daysLate;
    }
    if (random() < ZERO_PAYMENT_SHARE) amount = 0;
    rental[p] = r;
    date[p] = Math.min(LAST_SECOND, rentals.date[r] + randomInt(random, 0, 3 * 3600));
    if (splitRentals.has(r)) {
      // Paid in two parts: part at the counter, the rest when the film comes back.
      const first = Math.floor(amount / 2);
      cents[p] = first;
      p++;
      rental[p] = r;
      date[p] = Math.min(LAST_SECOND, rentals.returned[r] + randomInt(random, 60, 3600));
      cents[p] = amount - first;
    } else {
      cents[p] = amount;
    }
    p++;
  }
  placeOnTierThresholds(rentals, customers, { count, rental, date, cents }, scale);
  return { count, rental, date, cents };
}

/**
 * Moves a few customers' totals to exactly a tier threshold, or one cent below it, by changing their
 * largest payment, so `>=` against `>` in the tier rule shows in the results.
 */
function placeOnTierThresholds(rentals: Rentals, customers: Customers, payments: Payments, scale: number): void {
  const total = new Float64Array(customers.count);
  const largest = new Int32Array(customers.count).fill(-1);
  for (let p = 0; p < payments.count; p++) {
    const c = rentals.customer[payments.rental[p]];
    total[c] += payments.cents[p];
    if (largest[c] < 0 || payments.cents[p] > payments.cents[largest[c]]) largest[c] = p;
  }
  const used = new Set<number>();
  for (const threshold of [2000, 5000, 10000]) {
    for (const target of [threshold, threshold - 1]) {
      let placed = 0;
      for (let c = 0; c < customers.count && placed < 2 * scale; c++) {
        const diff = target - total[c];
        if (used.has(c) || largest[c] < 0 || Math.abs(diff) > 250) continue;
        const p = largest[c];
        if (payments.cents[p] + diff < 0) continue;
        payments.cents[p] += diff;
        total[c] = target;
        used.add(c);
        placed++;
      }
    }
  }
}

function writePayments(out: string, rentals: Rentals, payments: Payments): void {
  const keys = new Float64Array(payments.count);
  for (let i = 0; i < payments.count; i++) keys[i] = payments.date[i] * 2 ** 25 + i;
  keys.sort();
  const writer = new CsvWriter(join(out, 'payment.csv'), [
    'payment_id', 'customer_id', 'staff_id', 'rental_id', 'amount', 'payment_date',
  ]);
  for (let i = 0; i < payments.count; i++) {
    const p = keys[i] % 2 ** 25;
    const r = payments.rental[p];
    writer.raw(`${i + 1},${rentals.customer[r] + 1},${rentals.staff[r]},${r + 1},${formatCents(payments.cents[p])},${formatTimestamp(payments.date[p])}`);
  }
  writer.close();
}

export function generatePagila(options: Options): Record<string, number> {
  mkdirSync(options.out, { recursive: true });
  // One stream per concern, so a change in how one table is drawn leaves the others' rows unchanged.
  const streams = (k: number): Random => createRandom((options.seed ^ Math.imul(k, 0x27d4eb2d)) >>> 0);
  const counts: Record<string, number> = {};
  const films = writeReferenceTables(streams(1), options.out, counts);
  const inventory = writeInventory(streams(2), options.out, options.scale);
  const customers = writeCustomers(streams(3), options.out, options.scale);
  const rentals = generateRentals(streams(4), customers, inventory, films);
  writeRentals(options.out, rentals);
  const payments = generatePayments(streams(5), rentals, inventory, films, customers, options.scale);
  writePayments(options.out, rentals, payments);
  counts.inventory = inventory.film.length;
  counts.customer = customers.count;
  counts.rental = rentals.count;
  counts.payment = payments.count;
  return counts;
}

function parseArguments(argv: string[]): Options {
  const options: Options = { scale: 1, out: 'seeds', seed: DEFAULT_SEED };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--scale') options.scale = Number(value());
    else if (flag === '--out') options.out = value();
    else if (flag === '--seed') options.seed = Number(value());
    else throw new Error(`unknown argument ${argv[i]} (expected --scale N, --out DIR, --seed S)`);
  }
  if (!Number.isInteger(options.scale) || options.scale < 1) throw new Error('--scale must be a positive integer');
  if (!Number.isInteger(options.seed)) throw new Error('--seed must be an integer');
  return options;
}

function main(): void {
  let options: Options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`generate-pagila: ${(error as Error).message}`);
    process.exitCode = 2;
    return;
  }
  const started = process.hrtime.bigint();
  const counts = generatePagila(options);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = Object.entries(counts)
    .map(([table, rows]) => `${table} ${rows.toLocaleString('en-US')}`)
    .join(', ');
  console.log(`pagila scale ${options.scale} seed ${options.seed} → ${options.out}: ${summary} (${seconds.toFixed(1)} s)`);
}

// Run only as a script, so the generator can also be imported by tests and benchmarks.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
