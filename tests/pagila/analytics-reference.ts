/**
 * The customer analytics of the gold layer recomputed in plain TypeScript from the Pagila CSVs, without
 * the models, macros or the database: to check the models against a second implementation written from
 * the README's definitions ("The Pagila project" → "Customer analytics").
 *
 * What is learned (the points of each bin, the evidence weight, the lifetime-value calibration) is read
 * from the built tables and applied here; what is counted (features, bins, outcomes, the rows each fit
 * learns from, cohorts, KPIs, the back-test metrics) is recomputed here and compared.
 *
 * @example
 *   const activity = loadActivity(SEEDS_DIR);
 *   const asOf = defaultAsOfDay(activity);
 *   const features = featuresAt(activity, asOf, asOf);   // customer id → Features
 */
import { readCsv, cents } from './pagila-project.js';

const DAY = 86_400;

/** Days since 1970-01-01 (UTC) of a date `YYYY-MM-DD`. */
export function dayOf(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 1000 / DAY;
}

/** `YYYY-MM-DD` of a day number. */
export function dateOf(day: number): string {
  return new Date(day * DAY * 1000).toISOString().slice(0, 10);
}

/** Seconds since the epoch of a CSV timestamp `2022-05-24 22:53:30+00`. */
function secondsOf(timestamp: string): number {
  return Date.parse(timestamp.replace(' ', 'T').replace(/\+00$/, 'Z')) / 1000;
}

export interface Rental {
  customer: number;
  rentedAt: number;
  day: number;
  /** Seconds, or null when never returned. */
  returnedAt: number | null;
  allowedDays: number;
}

export interface Payment {
  customer: number;
  paidAt: number;
  day: number;
  cents: number;
}

export interface Activity {
  /** customer id → creation day */
  customers: Map<number, number>;
  rentals: Rental[];
  payments: Payment[];
}

/** The customers, rentals (with their film's rental_duration) and payments of a directory of Pagila CSVs. */
export function loadActivity(dir: string): Activity {
  const allowedByFilm = new Map<string, number>(readCsv(dir, 'film').map((row) => [row.film_id, Number(row.rental_duration)]));
  const filmByInventory = new Map<string, string>(readCsv(dir, 'inventory').map((row) => [row.inventory_id, row.film_id]));
  const customers = new Map<number, number>(readCsv(dir, 'customer').map((row) => [Number(row.customer_id), dayOf(row.create_date)]));
  const rentals = readCsv(dir, 'rental').map((row): Rental => {
    const rentedAt = secondsOf(row.rental_date);
    return {
      customer: Number(row.customer_id),
      rentedAt,
      day: Math.floor(rentedAt / DAY),
      returnedAt: row.return_date ? secondsOf(row.return_date) : null,
      allowedDays: allowedByFilm.get(filmByInventory.get(row.inventory_id)!)!,
    };
  });
  const payments = readCsv(dir, 'payment').map((row): Payment => {
    const paidAt = secondsOf(row.payment_date);
    return { customer: Number(row.customer_id), paidAt, day: Math.floor(paidAt / DAY), cents: cents(row.amount) };
  });
  return { customers, rentals, payments };
}

/** as_of_date when the var is not set: the day of the latest rental or payment. */
export function defaultAsOfDay(activity: Activity): number {
  let last = -Infinity;
  for (const rental of activity.rentals) last = Math.max(last, rental.day);
  for (const payment of activity.payments) last = Math.max(last, payment.day);
  return last;
}

function firstActivityDay(activity: Activity): number {
  let first = Infinity;
  for (const rental of activity.rentals) first = Math.min(first, rental.day);
  for (const payment of activity.payments) first = Math.min(first, payment.day);
  return first;
}

/** A date moved by whole months, month ends kept: the day after is moved, one day taken off. */
export function shiftMonths(day: number, months: number): number {
  const next = new Date((day + 1) * DAY * 1000);
  const moved = Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + months, next.getUTCDate()) / 1000 / DAY;
  // PostgreSQL clamps a day past the month's end to its last day (Jan 31 + 1 month = Feb 28).
  const wantedMonth = (((next.getUTCMonth() + months) % 12) + 12) % 12;
  const clamped = new Date(moved * DAY * 1000).getUTCMonth() !== wantedMonth ? moved - new Date(moved * DAY * 1000).getUTCDate() : moved;
  return clamped - 1;
}

function monthStart(day: number): number {
  const date = new Date(day * DAY * 1000);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / 1000 / DAY;
}

function monthEnd(day: number): number {
  const date = new Date(day * DAY * 1000);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / 1000 / DAY - 1;
}

/** Month starts (day numbers) from the first activity's month to as_of's (dim_month). */
export function months(activity: Activity, asOf: number): number[] {
  const list: number[] = [];
  for (let start = monthStart(firstActivityDay(activity)); start <= asOf; start = monthEnd(start) + 1) list.push(start);
  return list;
}

export interface Parameters {
  asOf: number;
  windowDays: number;
  horizonMonths: number;
}

export interface Features {
  customer: number;
  reference: number;
  isMonthEnd: boolean;
  recencyDays: number;
  tenureDays: number;
  rentals: number;
  rentalsLast90: number;
  /** Hundredths, rounded half up, or null with one rental. */
  meanGapHundredths: number | null;
  overdueHundredths: number | null;
  lateShareHundredths: number | null;
  spendTrendHundredths: number | null;
  revenueLast180Cents: number;
  revenueLastHorizonCents: number;
  /** The monthly spend, unrounded. */
  monthlySpend: number;
  bins: Record<FeatureName, string>;
  churned: boolean | null;
  revenueNextHorizonCents: number | null;
}

export type FeatureName = 'recency' | 'frequency' | 'gap' | 'spend_trend' | 'late_return';
export const FEATURES: FeatureName[] = ['recency', 'frequency', 'gap', 'spend_trend', 'late_return'];

/** a / b rounded half up to a whole number, for non-negative integers. */
function roundedRatio(a: number, b: number): number {
  return Math.floor((2 * a + b) / (2 * b));
}

function recencyBin(days: number): string {
  if (days <= 7) return '1 0-7 days';
  if (days <= 14) return '2 8-14 days';
  if (days <= 30) return '3 15-30 days';
  if (days <= 60) return '4 31-60 days';
  if (days <= 120) return '5 61-120 days';
  return '6 over 120 days';
}

function frequencyBin(count: number): string {
  if (count === 0) return '1 none';
  if (count === 1) return '2 1';
  if (count <= 3) return '3 2-3';
  if (count <= 6) return '4 4-6';
  if (count <= 12) return '5 7-12';
  return '6 over 12';
}

function gapBin(hundredths: number | null): string {
  if (hundredths === null) return '1 one rental';
  if (hundredths < 50) return '2 under 0.5';
  if (hundredths < 100) return '3 0.5-1';
  if (hundredths < 200) return '4 1-2';
  if (hundredths < 400) return '5 2-4';
  return '6 4 or more';
}

function spendTrendBin(hundredths: number | null): string {
  if (hundredths === null) return '1 too new';
  if (hundredths < 50) return '2 under 0.5';
  if (hundredths < 80) return '3 0.5-0.8';
  if (hundredths < 125) return '4 0.8-1.25';
  if (hundredths < 200) return '5 1.25-2';
  return '6 2 or more';
}

function lateReturnBin(hundredths: number | null): string {
  if (hundredths === null) return '1 no returns';
  if (hundredths < 25) return '2 under 25%';
  if (hundredths < 50) return '3 25-50%';
  if (hundredths < 75) return '4 50-75%';
  return '5 75% or more';
}

/** The reference dates of gold_customer_features, with whether each is a month end. */
export function referenceDates(activity: Activity, p: Parameters): Map<number, boolean> {
  const first = firstActivityDay(activity);
  const dates = new Map<number, boolean>();
  const add = (day: number, monthEndFlag: boolean) => {
    if (day > p.asOf || day < first) return;
    dates.set(day, (dates.get(day) ?? false) || monthEndFlag);
  };
  for (const start of months(activity, p.asOf)) if (monthEnd(start) <= p.asOf) add(monthEnd(start), true);
  add(p.asOf, false);
  add(p.asOf - p.windowDays, false);
  add(shiftMonths(p.asOf, -p.horizonMonths), false);
  return dates;
}

/** Each customer's features at `reference` (only customers with a rental by then), as known on as_of. */
export function featuresAt(activity: Activity, p: Parameters, reference: number, isMonthEnd = false): Map<number, Features> {
  const asOfEnd = (p.asOf + 1) * DAY;
  const horizonStart = shiftMonths(reference, -p.horizonMonths);
  const horizonEnd = shiftMonths(reference, p.horizonMonths);
  const acc = new Map<number, { first: number; last: number; n: number; n90: number; returns90: number; late90: number; next: number }>();
  for (const rental of activity.rentals) {
    if (rental.rentedAt >= asOfEnd) continue;
    if (rental.day > reference) continue;
    const a = acc.get(rental.customer) ?? { first: Infinity, last: -Infinity, n: 0, n90: 0, returns90: 0, late90: 0, next: 0 };
    a.first = Math.min(a.first, rental.day);
    a.last = Math.max(a.last, rental.day);
    a.n++;
    if (rental.day > reference - 90) a.n90++;
    acc.set(rental.customer, a);
  }
  // Returns made in (reference − 90, reference], known by as_of; late when after the allowed days.
  for (const rental of activity.rentals) {
    if (rental.rentedAt >= asOfEnd || rental.returnedAt === null || rental.returnedAt >= asOfEnd) continue;
    const returnDay = Math.floor(rental.returnedAt / DAY);
    if (returnDay > reference || returnDay <= reference - 90) continue;
    const a = acc.get(rental.customer);
    if (!a) continue;
    a.returns90++;
    if (rental.returnedAt > rental.rentedAt + rental.allowedDays * DAY) a.late90++;
  }
  for (const rental of activity.rentals) {
    if (rental.rentedAt >= asOfEnd) continue;
    if (rental.day > reference && rental.day <= reference + p.windowDays) {
      const a = acc.get(rental.customer);
      if (a) a.next++;
    }
  }
  const money = new Map<number, { last90: number; prev90: number; last180: number; lastHorizon: number; nextHorizon: number }>();
  for (const payment of activity.payments) {
    if (payment.paidAt >= asOfEnd) continue;
    const m = money.get(payment.customer) ?? { last90: 0, prev90: 0, last180: 0, lastHorizon: 0, nextHorizon: 0 };
    const d = payment.day;
    if (d <= reference) {
      if (d > reference - 90) m.last90 += payment.cents;
      else if (d > reference - 180) m.prev90 += payment.cents;
      if (d > reference - 180) m.last180 += payment.cents;
      if (d > horizonStart) m.lastHorizon += payment.cents;
    } else if (d <= horizonEnd) {
      m.nextHorizon += payment.cents;
    }
    money.set(payment.customer, m);
  }
  const result = new Map<number, Features>();
  for (const [customer, a] of acc) {
    const m = money.get(customer) ?? { last90: 0, prev90: 0, last180: 0, lastHorizon: 0, nextHorizon: 0 };
    const recencyDays = reference - a.last;
    const tenureDays = reference - a.first + 1;
    const meanGapHundredths = a.n > 1 ? roundedRatio(100 * (a.last - a.first), a.n - 1) : null;
    const overdueHundredths = meanGapHundredths ? roundedRatio(10_000 * recencyDays, meanGapHundredths) : null;
    const lateShareHundredths = a.returns90 > 0 ? roundedRatio(100 * a.late90, a.returns90) : null;
    const spendTrendHundredths = tenureDays >= 180 && m.prev90 > 0 ? roundedRatio(100 * m.last90, m.prev90) : null;
    const monthlySpend = m.last180 / 100 / (Math.max(30, Math.min(tenureDays, 180)) / 30.4375);
    result.set(customer, {
      customer,
      reference,
      isMonthEnd,
      recencyDays,
      tenureDays,
      rentals: a.n,
      rentalsLast90: a.n90,
      meanGapHundredths,
      overdueHundredths,
      lateShareHundredths,
      spendTrendHundredths,
      revenueLast180Cents: m.last180,
      revenueLastHorizonCents: m.lastHorizon,
      monthlySpend,
      bins: {
        recency: recencyBin(recencyDays),
        frequency: frequencyBin(a.n90),
        gap: gapBin(overdueHundredths),
        spend_trend: spendTrendBin(spendTrendHundredths),
        late_return: lateReturnBin(lateShareHundredths),
      },
      churned: reference + p.windowDays <= p.asOf ? a.next === 0 : null,
      revenueNextHorizonCents: horizonEnd <= p.asOf ? m.nextHorizon : null,
    });
  }
  return result;
}

/** Every row of gold_customer_features: reference date → customer → features. */
export function featurePanel(activity: Activity, p: Parameters): Map<number, Map<number, Features>> {
  const panel = new Map<number, Map<number, Features>>();
  for (const [reference, isMonthEnd] of referenceDates(activity, p)) panel.set(reference, featuresAt(activity, p, reference, isMonthEnd));
  return panel;
}

export interface BinCount {
  rows: number;
  churners: number;
}

/** The training counts of a fit: month-end rows whose churn window ended by fitDate, per `feature|bin`. */
export function trainingCounts(panel: Map<number, Map<number, Features>>, p: Parameters, fitDate: number): { rows: number; churners: number; bins: Map<string, BinCount> } {
  const bins = new Map<string, BinCount>();
  let rows = 0;
  let churners = 0;
  for (const [reference, byCustomer] of panel) {
    for (const f of byCustomer.values()) {
      if (!f.isMonthEnd || reference + p.windowDays > fitDate) continue;
      rows++;
      if (f.churned) churners++;
      for (const feature of FEATURES) {
        const key = `${feature}|${f.bins[feature]}`;
        const count = bins.get(key) ?? { rows: 0, churners: 0 };
        count.rows++;
        if (f.churned) count.churners++;
        bins.set(key, count);
      }
    }
  }
  return { rows, churners, bins };
}

export interface LearnedFit {
  baseRate: number;
  evidenceWeight: number;
  /** `feature|bin` → points */
  points: Map<string, number>;
}

/** The churn probability of a customer's features under a learned fit (unrounded). */
export function churnProbability(f: Features, fit: LearnedFit): number {
  let total = 0;
  for (const feature of FEATURES) total += fit.points.get(`${feature}|${f.bins[feature]}`) ?? 0;
  const logit = Math.log(fit.baseRate / (1 - fit.baseRate)) + fit.evidenceWeight * total;
  return 1 / (1 + Math.exp(-logit));
}

export function riskBand(probability: number): string {
  if (probability >= 0.75) return 'Very high';
  if (probability >= 0.5) return 'High';
  if (probability >= 0.25) return 'Medium';
  if (probability >= 0.1) return 'Low';
  return 'Very low';
}

/** Expected active months of the next `horizon` months under a monthly retention from the probability. */
export function expectedActiveMonths(probability: number, p: Parameters): number {
  const retention = Math.pow(1 - Math.min(0.999, probability), 30.4375 / p.windowDays);
  if (retention >= 0.999999) return p.horizonMonths;
  return (1 - Math.pow(retention, p.horizonMonths)) / -Math.log(retention);
}

/**
 * The area under the ROC curve of scores against outcomes, ties counted half (Mann–Whitney U).
 *
 * @example auc([0.9, 0.1], [true, false]) === 1
 */
export function auc(scores: number[], outcomes: boolean[]): number {
  const order = scores.map((score, i) => [score, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const rank = (i + 1 + j + 1) / 2;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = rank;
    i = j + 1;
  }
  let positives = 0;
  let rankSum = 0;
  outcomes.forEach((outcome, i) => {
    if (outcome) {
      positives++;
      rankSum += ranks[i];
    }
  });
  const negatives = outcomes.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Payments per month start (`YYYY-MM-01`) in cents, up to as_of. */
export function revenueByMonth(activity: Activity, asOf: number): Map<string, number> {
  const byMonth = new Map<string, number>();
  for (const payment of activity.payments) {
    if (payment.day > asOf) continue;
    const key = dateOf(monthStart(payment.day));
    byMonth.set(key, (byMonth.get(key) ?? 0) + payment.cents);
  }
  return byMonth;
}

/** Customers per cohort month (`YYYY-MM-01` of the first rental), up to as_of. */
export function cohortSizes(activity: Activity, asOf: number): Map<string, number> {
  const first = new Map<number, number>();
  for (const rental of activity.rentals) {
    if (rental.day > asOf) continue;
    first.set(rental.customer, Math.min(first.get(rental.customer) ?? Infinity, rental.day));
  }
  const sizes = new Map<string, number>();
  for (const day of first.values()) {
    const key = dateOf(monthStart(day));
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  return sizes;
}
