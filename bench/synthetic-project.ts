/**
 * Synthetic Strata projects for benchmarks: n models in a layered DAG, the same files for the same
 * options on every machine.
 *
 *   project.yml                       name `bench`, model-paths [models], seed-paths [seeds], a pglite target
 *   seeds/bench_events.csv            the seed half of the first layer reads
 *   models/sources.yml                source `raw` (table `events`), read by the other half
 *   models/layer_00/model_00000.sql   first layer: `{{ source('raw', 'events') }}` or `{{ ref('bench_events') }}`
 *   models/layer_01/model_00500.sql   later layers: `{{ ref(...) }}` to 1–3 models of earlier layers
 *
 * Every model outputs the columns (id, category, amount), so the project also runs; about one in five
 * is `{{ config(materialized='table') }}`, the rest are views (the project default).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SyntheticProjectOptions {
  /** Number of models (at least 1). */
  models: number;
  /** PRNG seed; the same seed gives the same files. Default 1. */
  seed?: number;
  /** Number of layers (folders `layer_XX`); default 20, or fewer for tiny projects. */
  layers?: number;
}

export interface SyntheticModel {
  /** `model_00012` */
  name: string;
  layer: number;
  /** Relative to the project root: `models/layer_00/model_00012.sql`. */
  path: string;
  /** Names of the models it refs (empty in the first layer). */
  refs: string[];
  /** `source` or `seed`: what a first-layer model reads; undefined in later layers. */
  reads?: 'source' | 'seed';
  materialized: 'table' | 'view';
  sql: string;
}

export interface SyntheticProject {
  dir: string;
  models: SyntheticModel[];
  layers: number;
  /** Every file written, relative to `dir`. */
  files: string[];
}

export const SYNTHETIC_SEED_NAME = 'bench_events';

/**
 * The project's models as data, without touching the disk.
 *
 * @example
 *   planSyntheticModels({ models: 3, layers: 2 }).map((m) => [m.path, m.refs])
 *   // [['models/layer_00/model_00000.sql', []], ['models/layer_00/model_00001.sql', []],
 *   //  ['models/layer_01/model_00002.sql', ['model_00001', 'model_00000']]]
 */
export function planSyntheticModels(options: SyntheticProjectOptions): SyntheticModel[] {
  const count = Math.max(1, Math.floor(options.models));
  const layers = Math.max(1, Math.min(options.layers ?? 20, count));
  const perLayer = Math.ceil(count / layers);
  const random = mulberry32(options.seed ?? 1);
  const pick = (from: number, to: number): number => from + Math.floor(random() * (to - from));

  const models: SyntheticModel[] = [];
  for (let index = 0; index < count; index++) {
    const layer = Math.floor(index / perLayer);
    const layerStart = layer * perLayer;
    const refs: number[] = [];
    if (layer > 0) {
      // The first ref comes from the layer just before, so the DAG is as deep as its layers.
      refs.push(pick(layerStart - perLayer, layerStart));
      const more = pick(0, 3);
      for (let i = 0; i < more; i++) {
        const candidate = pick(0, layerStart);
        if (!refs.includes(candidate)) refs.push(candidate);
      }
    }
    const name = modelName(index);
    const materialized = random() < 0.2 ? 'table' : 'view';
    const model: SyntheticModel = {
      name,
      layer,
      path: `models/${layerFolder(layer)}/${name}.sql`,
      refs: refs.map(modelName),
      materialized,
      sql: '',
    };
    if (layer === 0) model.reads = index % 2 === 0 ? 'source' : 'seed';
    model.sql = modelSql(model);
    models.push(model);
  }
  return models;
}

/**
 * Writes a fresh synthetic project into `dir`: its `models/` and `seeds/` folders are replaced and
 * `project.yml` overwritten; anything else there (a `target/` cache) is kept.
 *
 * @example
 *   const project = writeSyntheticProject('bench/.out/compile-1000', { models: 1000 });
 *   project.files.length; // 1003: project.yml, the seed, sources.yml and the models
 */
export function writeSyntheticProject(dir: string, options: SyntheticProjectOptions): SyntheticProject {
  const models = planSyntheticModels(options);
  rmSync(join(dir, 'models'), { recursive: true, force: true });
  rmSync(join(dir, 'seeds'), { recursive: true, force: true });

  const files: string[] = [];
  const write = (path: string, text: string): void => {
    const absolute = join(dir, path);
    mkdirSync(dirname(absolute), { recursive: true });
    writeFileSync(absolute, text);
    files.push(path);
  };
  write('project.yml', PROJECT_YML);
  write(`seeds/${SYNTHETIC_SEED_NAME}.csv`, seedCsv());
  write('models/sources.yml', SOURCES_YML);
  for (const model of models) write(model.path, model.sql);
  const layers = models.length > 0 ? models[models.length - 1]!.layer + 1 : 0;
  return { dir, models, layers, files };
}

export function modelName(index: number): string {
  return `model_${String(index).padStart(5, '0')}`;
}

function layerFolder(layer: number): string {
  return `layer_${String(layer).padStart(2, '0')}`;
}

function modelSql(model: SyntheticModel): string {
  const inputs =
    model.reads === 'source'
      ? ["{{ source('raw', 'events') }}"]
      : model.reads === 'seed'
        ? [`{{ ref('${SYNTHETIC_SEED_NAME}') }}`]
        : model.refs.map((ref) => `{{ ref('${ref}') }}`);
  const upstream = inputs.map((input) => `    select id, category, amount from ${input}`).join('\n    union all\n');
  const config = model.materialized === 'table' ? "{{ config(materialized='table') }}\n\n" : '';
  return `${config}-- ${model.name}: layer ${model.layer}
with upstream as (
${upstream}
)
select
    id % 1000 as id,
    case
        when amount > 500 then 'high'
        when amount > 100 then 'medium'
        else 'low'
    end as category,
    count(*) as row_count,
    sum(amount) as amount
from upstream
group by 1, 2
`;
}

const PROJECT_YML = `# A synthetic project for benchmarks (bench/synthetic-project.ts). Regenerated on every run.
name: bench
version: 1.0.0

model-paths: [models]
seed-paths: [seeds]
target-path: target

target: dev
targets:
  dev:
    type: pglite
    schema: bench

models:
  bench:
    +materialized: view
`;

const SOURCES_YML = `version: 2

sources:
  - name: raw
    schema: raw
    tables:
      - name: events
`;

function seedCsv(): string {
  const random = mulberry32(7);
  const categories = ['a', 'b', 'c', 'd'];
  const rows = ['id,category,amount'];
  for (let id = 1; id <= 50; id++) {
    rows.push(`${id},${categories[id % categories.length]},${Math.floor(random() * 100_000) / 100}`);
  }
  return `${rows.join('\n')}\n`;
}

/** A small, fast, seedable PRNG (Tommy Ettinger's mulberry32): numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
