/**
 * The selector box of the docs page evaluates selectors with the same modules as `--select`: over the
 * data embedded in the page, it selects exactly what `selectNodes` selects over the manifest.
 */
import { describe, expect, it } from 'vitest';
import { pageSelector } from '../../compiler/docs/page-select.js';
import { siteData } from '../../compiler/docs/site-data.js';
import { Dag } from '../../compiler/graph/dag.js';
import { selectNodes } from '../../compiler/graph/select-nodes.js';
import { loadProject } from '../../compiler/project/load-project.js';
import { parseProject } from '../../compiler/render/parse-project.js';
import { REPO_ROOT } from '../support/strata-cli.js';

const parsed = parseProject(loadProject(REPO_ROOT));
const manifest = parsed.manifest;
const dag = Dag.fromManifest(manifest);
const data = siteData(manifest, undefined, undefined, '2026-01-01T00:00:00.000Z');
// Through JSON, as the page receives it.
const inPage = pageSelector(JSON.parse(JSON.stringify(data.nodes)));

describe('the docs page selector', () => {
  it.each([
    ['+gold_customer_metrics', ''],
    ['tag:gold', ''],
    ['gold', ''],
    ['path:models/silver', ''],
    ['config.materialized:table', ''],
    ['dim_customer+1', ''],
    ['@fct_rental', ''],
    ['resource_type:seed source:pagila', ''],
    ['+gold_customer_metrics,config.materialized:table', ''],
    ['', 'resource_type:test'],
    ['+gold_platform_metrics', 'dim_film'],
    ['+exposure:customer_health', ''],
    ['gold_customer_rfm+', ''],
    ['resource_type:exposure', ''],
  ])('select %j exclude %j as the CLI does', (select, exclude) => {
    const words = (text: string) => text.split(/\s+/).filter(Boolean);
    const cli = selectNodes(manifest, dag, { select: words(select), exclude: words(exclude) });
    const page = inPage(select, exclude);
    expect(page.message).toBeUndefined();
    expect(page.ids.length).toBeGreaterThan(0);
    expect(page.ids).toEqual([...cli.sources, ...cli.ids, ...cli.exposures]);
  });

  it('reports a malformed selector and a term that matched nothing as messages', () => {
    expect(inPage('nosuchmethod:x')).toMatchObject({ ids: [], message: expect.stringContaining('nosuchmethod') });
    expect(inPage('tag:nope').message).toContain("'tag:nope' matched no enabled node");
  });
});
