/**
 * The gold analytics tables compared with analytics-reference.ts: what the models learned is read from
 * the tables, everything counted is recomputed from the CSVs, and each function returns the differences
 * it found (an empty list when gold agrees), so a failing test prints what disagrees.
 *
 * @example
 *   const activity = loadActivity(SEEDS_DIR);
 *   const p = parametersOf(activity);
 *   expect(await compareChurnModelCounts(adapter, gold, activity, p)).toEqual([]);
 */
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { quoteIdent } from '../../compiler/sql/quote.js';
import {
  auc,
  churnProbability,
  dateOf,
  dayOf,
  defaultAsOfDay,
  expectedActiveMonths,
  featurePanel,
  featuresAt,
  riskBand,
  shiftMonths,
  trainingCounts,
  type Activity,
  type LearnedFit,
  type Parameters,
} from './analytics-reference.js';

/** The project's defaults (project.yml vars): churn window 60 days, horizon 3 months, as of the latest activity. */
export function parametersOf(activity: Activity, asOf?: string): Parameters {
  return { asOf: asOf ? dayOf(asOf) : defaultAsOfDay(activity), windowDays: 60, horizonMonths: 3 };
}

export interface Fit extends LearnedFit {
  fitDate: number;
  trainingRows: number;
  trainingChurners: number;
  /** `feature|bin` → counts as stored */
  bins: Map<string, { rows: number; churners: number }>;
}

/** The fits of gold_churn_model, as stored (rounded parameters included: the scores use those). */
export async function learnedFits(adapter: Adapter, gold: string): Promise<Map<string, Fit>> {
  const result = await adapter.query<{
    fit_name: string; fit_date: string; feature: string; bin: string; rows_in_bin: number; churners_in_bin: number;
    points: string; base_rate: string; evidence_weight: string; training_rows: number; training_churners: number;
  }>(`select fit_name, fit_date::text as fit_date, feature, bin, rows_in_bin, churners_in_bin, points::text as points,
             base_rate::text as base_rate, evidence_weight::text as evidence_weight, training_rows, training_churners
      from ${quoteIdent(gold)}.gold_churn_model`);
  const fits = new Map<string, Fit>();
  for (const row of result.rows) {
    let fit = fits.get(row.fit_name);
    if (!fit) {
      fit = {
        fitDate: dayOf(row.fit_date),
        baseRate: Number(row.base_rate),
        evidenceWeight: Number(row.evidence_weight),
        trainingRows: row.training_rows,
        trainingChurners: row.training_churners,
        points: new Map(),
        bins: new Map(),
      };
      fits.set(row.fit_name, fit);
    }
    fit.points.set(`${row.feature}|${row.bin}`, Number(row.points));
    fit.bins.set(`${row.feature}|${row.bin}`, { rows: row.rows_in_bin, churners: row.churners_in_bin });
  }
  return fits;
}

/** gold_clv_model's calibration factors, `fit|band` → factor. */
export async function calibrationFactors(adapter: Adapter, gold: string): Promise<Map<string, number>> {
  const result = await adapter.query<{ fit_name: string; churn_risk_band: string; calibration_factor: string }>(
    `select fit_name, churn_risk_band, calibration_factor::text as calibration_factor from ${quoteIdent(gold)}.gold_clv_model`,
  );
  return new Map(result.rows.map((row) => [`${row.fit_name}|${row.churn_risk_band}`, Number(row.calibration_factor)]));
}

/**
 * Each fit learned from exactly the rows the definition gives it: month ends whose churn window ended by
 * the fit's date, with the reference's bins and outcomes. Returns the differences.
 */
export async function compareChurnModelCounts(adapter: Adapter, gold: string, activity: Activity, p: Parameters): Promise<string[]> {
  const fits = await learnedFits(adapter, gold);
  const panel = featurePanel(activity, p);
  const differences: string[] = [];
  const expectedFitDates: Record<string, number> = {
    current: p.asOf,
    churn_backtest: p.asOf - p.windowDays,
    clv_backtest: shiftMonths(p.asOf, -p.horizonMonths),
  };
  for (const [name, fitDate] of Object.entries(expectedFitDates)) {
    const fit = fits.get(name);
    if (!fit) {
      differences.push(`fit ${name}: missing`);
      continue;
    }
    if (fit.fitDate !== fitDate) differences.push(`fit ${name}: fit_date ${dateOf(fit.fitDate)}, expected ${dateOf(fitDate)}`);
    const expected = trainingCounts(panel, p, fitDate);
    if (fit.trainingRows !== expected.rows || fit.trainingChurners !== expected.churners) {
      differences.push(`fit ${name}: ${fit.trainingRows} rows / ${fit.trainingChurners} churners, expected ${expected.rows} / ${expected.churners}`);
    }
    for (const key of new Set([...expected.bins.keys(), ...fit.bins.keys()])) {
      const want = expected.bins.get(key);
      const got = fit.bins.get(key);
      if (want?.rows !== got?.rows || want?.churners !== got?.churners) {
        differences.push(`fit ${name} bin ${key}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      }
    }
  }
  return differences;
}

export interface ExpectedPrediction {
  probability: number;
  band: string;
  predictedRevenue: number;
}

/** Each customer's current prediction at as_of, from the reference features and the learned parameters. */
export function expectedCurrentPredictions(
  activity: Activity,
  p: Parameters,
  fits: Map<string, Fit>,
  factors: Map<string, number>,
): Map<number, ExpectedPrediction> {
  const fit = fits.get('current');
  const predictions = new Map<number, ExpectedPrediction>();
  if (!fit) return predictions;
  for (const f of featuresAt(activity, p, p.asOf).values()) {
    const probability = churnProbability(f, fit);
    const band = riskBand(probability);
    const monthlySpend = Math.round(f.monthlySpend * 100) / 100;
    const survival = Math.round(monthlySpend * expectedActiveMonths(probability, p) * 100) / 100;
    const factor = factors.get(`current|${band}`) ?? 1;
    predictions.set(f.customer, { probability, band, predictedRevenue: Math.round(survival * factor * 100) / 100 });
  }
  return predictions;
}

/**
 * Every customer's customer_lifetime_value (and churn probability and band where they have rentals)
 * against the reference, to the cent (a cent of rounding allowed). Returns the differences.
 */
export async function compareCurrentPredictions(adapter: Adapter, gold: string, activity: Activity, p: Parameters): Promise<string[]> {
  const expected = expectedCurrentPredictions(activity, p, await learnedFits(adapter, gold), await calibrationFactors(adapter, gold));
  const metrics = await adapter.query<{ customer_id: number; clv: string; probability: string | null; band: string | null }>(
    `select m.customer_id, m.customer_lifetime_value::text as clv, r.churn_probability::text as probability, r.churn_risk_band as band
     from ${quoteIdent(gold)}.gl_customer_metrics m
     left join ${quoteIdent(gold)}.gold_customer_churn_risk r using (customer_id)`,
  );
  const differences: string[] = [];
  for (const row of metrics.rows) {
    const want = expected.get(row.customer_id);
    const clv = Number(row.clv);
    if (!want) {
      if (clv !== 0 || row.probability !== null) differences.push(`customer ${row.customer_id}: no rentals, yet clv ${row.clv}, probability ${row.probability}`);
      continue;
    }
    if (Math.abs(clv - want.predictedRevenue) > 0.011) differences.push(`customer ${row.customer_id}: clv ${row.clv}, expected ${want.predictedRevenue.toFixed(2)}`);
    if (row.probability === null || Math.abs(Number(row.probability) - want.probability) > 0.00011) {
      differences.push(`customer ${row.customer_id}: churn probability ${row.probability}, expected ${want.probability.toFixed(4)}`);
    }
    if (row.band !== want.band && Math.abs(Number(row.probability) - want.probability) > 1e-9) {
      differences.push(`customer ${row.customer_id}: band ${row.band}, expected ${want.band}`);
    }
  }
  if (metrics.rows.filter((row) => expected.has(row.customer_id)).length !== expected.size) {
    differences.push(`${expected.size} customers with rentals expected in gl_customer_metrics`);
  }
  return differences;
}

export interface BacktestRow {
  population: string;
  is_measured: boolean;
  customers: number;
  churners: number;
  auc: string | null;
  top_decile_precision: string | null;
  top_decile_recall: string | null;
  top_decile_lift: string | null;
}

export async function churnBacktest(adapter: Adapter, gold: string): Promise<Map<string, BacktestRow>> {
  const result = await adapter.query<BacktestRow>(
    `select population, is_measured, customers, churners, auc::text as auc, top_decile_precision::text as top_decile_precision,
            top_decile_recall::text as top_decile_recall, top_decile_lift::text as top_decile_lift
     from ${quoteIdent(gold)}.gold_churn_backtest`,
  );
  return new Map(result.rows.map((row) => [row.population, row]));
}

export interface ClvBacktestRow {
  population: string;
  is_measured: boolean;
  customers: number;
  mae_model: string | null;
  mae_naive: string | null;
  mae_ratio: string | null;
}

export async function clvBacktest(adapter: Adapter, gold: string): Promise<Map<string, ClvBacktestRow>> {
  const result = await adapter.query<ClvBacktestRow>(
    `select population, is_measured, customers, mae_model::text as mae_model, mae_naive::text as mae_naive, mae_ratio::text as mae_ratio
     from ${quoteIdent(gold)}.gold_clv_backtest`,
  );
  return new Map(result.rows.map((row) => [row.population, row]));
}

/**
 * The churn back-test recomputed: the cut-off fit's probabilities from the reference features at the
 * cut-off, the outcomes from the CSVs, and the AUC, top-decile precision and recall of each population.
 * Returns the differences with gold_churn_backtest.
 */
export async function compareChurnBacktest(adapter: Adapter, gold: string, activity: Activity, p: Parameters): Promise<string[]> {
  const fit = (await learnedFits(adapter, gold)).get('churn_backtest');
  if (!fit) return ['fit churn_backtest: missing'];
  const cutoff = p.asOf - p.windowDays;
  const scored = [...featuresAt(activity, p, cutoff).values()].map((f) => ({
    customer: f.customer,
    active: f.recencyDays <= p.windowDays,
    probability: Math.round(churnProbability(f, fit) * 10_000) / 10_000,
    churned: f.churned === true,
  }));
  const table = await churnBacktest(adapter, gold);
  const differences: string[] = [];
  for (const [population, rows] of [['all_customers', scored], ['active_customers', scored.filter((row) => row.active)]] as const) {
    const row = table.get(population);
    if (!row) {
      differences.push(`${population}: no row`);
      continue;
    }
    const churners = rows.filter((r) => r.churned).length;
    const expectedAuc = auc(rows.map((r) => r.probability), rows.map((r) => r.churned));
    const top = [...rows].sort((a, b) => b.probability - a.probability || a.customer - b.customer).slice(0, Math.ceil(rows.length / 10));
    const topChurners = top.filter((r) => r.churned).length;
    const checks: Array<[string, number, number, number]> = [
      ['customers', row.customers, rows.length, 0],
      ['churners', row.churners, churners, 0],
      ['auc', Number(row.auc), expectedAuc, 0.00051],
      ['top_decile_precision', Number(row.top_decile_precision), topChurners / top.length, 0.00051],
      ['top_decile_recall', Number(row.top_decile_recall), topChurners / churners, 0.00051],
    ];
    for (const [name, got, want, tolerance] of checks) {
      if (Math.abs(got - want) > tolerance) differences.push(`${population} ${name}: ${got}, expected ${want}`);
    }
  }
  return differences;
}

/** Revenue per month of gold_kpi_monthly against the CSV payments, `YYYY-MM-01` → cents; returns the differences. */
export async function compareKpiRevenue(adapter: Adapter, gold: string, expected: Map<string, number>): Promise<string[]> {
  const result = await adapter.query<{ month: string; revenue: string }>(
    `select month_start::text as month, revenue::text as revenue from ${quoteIdent(gold)}.gold_kpi_monthly order by 1`,
  );
  const got = new Map(result.rows.map((row) => [row.month, Math.round(Number(row.revenue) * 100)]));
  const differences: string[] = [];
  for (const month of new Set([...got.keys(), ...expected.keys()])) {
    if ((got.get(month) ?? 0) !== (expected.get(month) ?? 0)) differences.push(`${month}: ${got.get(month)}, expected ${expected.get(month)}`);
  }
  return differences;
}
