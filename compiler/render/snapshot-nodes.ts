import { StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import { nodeId, type ColumnInfo, type ManifestNode, type NodeConfig, type NodeId } from '../manifest/types.js';
import { isPlainObject, mergeConfig } from '../project/config-tree.js';
import type { Project } from '../project/load-project.js';
import { checksumOf, type ProjectFile } from '../project/project-files.js';
import { parseYamlFile } from '../project/yaml-file.js';
import { snapshotSettings } from '../snapshot/snapshot-config.js';
import { parseTemplate, type ParsedTemplate } from './parse-template.js';
import type { Renderer } from './renderer.js';

/** A snapshot as YAML declares it (dbt 1.9: `relation:` + `config:`), or the properties of a `{% snapshot %}` block. */
interface SnapshotEntry {
  name: string;
  relation?: string;
  description?: string;
  columns: Record<string, ColumnInfo>;
  config: Record<string, unknown>;
  place: { file: string; line: number; column: number };
}

const BLOCK = /\{%-?\s*snapshot\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%\}([\s\S]*?)\{%-?\s*endsnapshot\s*-?%\}/g;
const OPENING = /\{%-?\s*snapshot\b/g;

/**
 * The snapshots of one project part: each `{% snapshot name %}` block of its snapshot-paths files, and
 * each `snapshots:` entry of its YAML that has a `relation:`. Config precedence as for models: in-block
 * `config()` > YAML `config:` > the `snapshots:` tree of dbt_project.yml.
 *
 * @example
 *   snapshotNodes(project, renderer, resolve, collect)
 *   // [{ node: { id: 'snapshot.shop.customers_history', resourceType: 'snapshot', ... }, template }]
 */
export function snapshotNodes(
  project: Project,
  renderer: Renderer,
  treeConfig: (fqn: string[]) => Record<string, unknown>,
  collect: <T>(fn: () => T) => T | undefined,
): { node: ManifestNode; template: ParsedTemplate }[] {
  const entries = collect(() => snapshotEntries(project.files.yaml)) ?? [];
  const properties = new Map(entries.filter((e) => e.relation === undefined).map((e) => [e.name, e]));
  const out: { node: ManifestNode; template: ParsedTemplate }[] = [];
  const add = (name: string, file: ProjectFile, body: string, padded: string, templatePath: string, fqn: string[], entry?: SnapshotEntry) => {
    const result = collect(() => snapshotNode(project, renderer, { name, file, body, padded, templatePath, fqn, entry, tree: treeConfig(fqn) }));
    if (result) out.push(result);
  };

  for (const file of project.files.snapshots ?? []) {
    const blocks = [...file.text.matchAll(BLOCK)];
    const openings = [...file.text.matchAll(OPENING)].length;
    if (blocks.length === 0 || openings !== blocks.length) {
      collect(() => {
        throw new StrataError({
          code: 'STR133',
          message: blocks.length === 0 ? 'a file in snapshot-paths holds no {% snapshot %} block' : 'a {% snapshot %} block has no {% endsnapshot %}',
          file: file.path,
          hint: 'write {% snapshot name %} select ... {% endsnapshot %}; models belong in model-paths',
        });
      });
      continue;
    }
    const folders = folderParts(file.path, project.paths.snapshots ?? ['snapshots']);
    for (const block of blocks) {
      const name = block[1];
      const bodyStart = block.index + block[0].indexOf('%}') + 2;
      const body = block[2];
      // Everything before the body blanked, newlines kept: template positions are the file's lines and columns.
      const padded = file.text.slice(0, bodyStart).replace(/[^\n]/g, ' ') + body;
      const templatePath = blocks.length === 1 ? file.path : `${file.path}#${name}`;
      add(name, file, body, padded, templatePath, [project.name, ...folders, name], properties.get(name));
    }
  }

  for (const entry of entries) {
    if (entry.relation === undefined) continue;
    const body = `select * from {{ ${entry.relation} }}`;
    const file: ProjectFile = { path: entry.place.file, absolutePath: '', text: body, checksum: checksumOf(body) };
    const folders = folderParts(entry.place.file, project.paths.snapshots ?? ['snapshots']);
    add(entry.name, file, body, body, `${entry.place.file}#${entry.name}`, [project.name, ...folders, entry.name], entry);
  }
  return out;
}

interface SnapshotSource {
  name: string;
  file: ProjectFile;
  body: string;
  padded: string;
  templatePath: string;
  fqn: string[];
  entry?: SnapshotEntry;
  tree: Record<string, unknown>;
}

function snapshotNode(project: Project, renderer: Renderer, source: SnapshotSource): { node: ManifestNode; template: ParsedTemplate } {
  const { name, file, entry } = source;
  const defaults = { materialized: 'snapshot', enabled: true, tags: [], pre_hook: [], post_hook: [], indexes: [] };
  const base = mergeConfig(mergeConfig(defaults, source.tree), entry?.config ?? {});
  const id = nodeId(`snapshot.${project.name}.${name}`);
  const template = parseTemplate(renderer, {
    path: source.templatePath,
    text: source.padded,
    checksum: checksumOf(source.padded),
    model: { name, path: file.path, resource_type: 'snapshot', config: base, unique_id: id, package_name: project.name },
    packageName: project.name,
    baseConfig: base,
    guessThis: { schema: project.target.schema, identifier: name },
  });
  const config = { ...mergeConfig(base, template.config), materialized: 'snapshot' } as NodeConfig;
  for (const key of ['tags', 'pre_hook', 'post_hook'] as const) {
    if (!Array.isArray(config[key])) config[key] = config[key] === undefined || config[key] === null ? [] : [config[key] as string];
  }
  const place = entry?.relation !== undefined ? entry.place : { file: file.path, ...lineOf(file.text, source.body) };
  const { problems } = snapshotSettings(config, place, name);
  if (problems.length > 0) throw new StrataError(problems);
  const node: ManifestNode = {
    id,
    resourceType: 'snapshot',
    name,
    packageName: project.name,
    path: file.path,
    fqn: source.fqn,
    rawSql: source.body,
    checksum: checksumOf(source.body),
    config,
    schema: '',
    alias: name,
    description: entry?.description,
    columns: entry?.columns ?? {},
    patchPath: entry ? entry.place.file : undefined,
    refs: template.refs,
    sources: template.sources,
    dependsOn: { nodes: [], macros: template.macros },
  };
  return { node, template };
}

/**
 * `target_schema` (dbt before 1.9, still honoured) names the snapshot's schema exactly, with no
 * generate_schema_name; `schema` goes through it as for models. Runs after relations are resolved.
 */
export function applySnapshotTargetSchemas(nodes: Map<NodeId, ManifestNode>): void {
  for (const node of nodes.values()) {
    const schema = node.config.target_schema;
    if (node.resourceType === 'snapshot' && typeof schema === 'string' && schema.trim() !== '') node.schema = schema.trim();
  }
}

/** Every `snapshots:` entry of the part's schema YAML files. */
function snapshotEntries(files: ProjectFile[]): SnapshotEntry[] {
  const entries: SnapshotEntry[] = [];
  const problems: Diagnostic[] = [];
  for (const file of files) {
    if (!/^snapshots\s*:/m.test(file.text)) continue;
    const yaml = parseYamlFile(file.path, file.text);
    const list = isPlainObject(yaml.value) ? yaml.value.snapshots : undefined;
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      problems.push({ code: 'STR133', message: 'snapshots: must be a list', file: file.path, ...yaml.locate(['snapshots']), hint: '- name: my_snapshot' });
      continue;
    }
    list.forEach((raw: unknown, index) => {
      const place = { file: file.path, ...yaml.locate(['snapshots', index]) };
      if (!isPlainObject(raw) || typeof raw.name !== 'string') {
        problems.push({ code: 'STR133', message: 'a snapshots: entry has no name', ...place, hint: '- name: my_snapshot' });
        return;
      }
      const relation = raw.relation;
      if (relation !== undefined && (typeof relation !== 'string' || !/^\s*(ref|source)\s*\(.*\)\s*$/s.test(relation))) {
        problems.push({
          code: 'STR133',
          message: `snapshot '${raw.name}': relation must be ref('...') or source('...', '...')`,
          ...place,
          hint: "relation: ref('orders')",
        });
        return;
      }
      const columns: Record<string, ColumnInfo> = {};
      if (Array.isArray(raw.columns)) {
        for (const column of raw.columns) {
          if (isPlainObject(column) && typeof column.name === 'string') {
            const { tests: _t, data_tests: _d, ...rest } = column;
            columns[column.name] = rest as ColumnInfo;
          }
        }
      }
      entries.push({
        name: raw.name,
        relation: typeof relation === 'string' ? relation.trim() : undefined,
        description: typeof raw.description === 'string' ? raw.description : undefined,
        columns,
        config: isPlainObject(raw.config) ? raw.config : {},
        place,
      });
    });
  }
  if (problems.length > 0) throw new StrataError(problems);
  return entries;
}

/** Folders between the snapshot path and the file (`snapshots/crm/c.sql` → `['crm']`). */
function folderParts(path: string, roots: string[]): string[] {
  const root = roots.map((r) => r.replace(/\/+$/, '')).find((r) => path.startsWith(`${r}/`));
  const inner = root ? path.slice(root.length + 1) : path;
  return inner.split('/').slice(0, -1);
}

function lineOf(text: string, part: string): { line: number; column: number } {
  const at = text.indexOf(part);
  return { line: at < 0 ? 1 : text.slice(0, at).split('\n').length, column: 1 };
}
