/**
 * Docs blocks in `.md` files, put into descriptions that call `{{ doc(...) }}`, as dbt renders them (for
 * the site; the parse pass puts them into manifest.json: tests/engine/governance.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDocBlocks, renderDocCalls } from '../../compiler/docs/doc-blocks.js';
import { loadProject } from '../../compiler/project/load-project.js';

describe('docs blocks', () => {
  it('reads the blocks of .md files under the resource folders', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-doc-blocks-'));
    fs.mkdirSync(path.join(root, 'models', 'gold'), { recursive: true });
    fs.mkdirSync(path.join(root, 'macros'), { recursive: true });
    fs.writeFileSync(path.join(root, 'project.yml'), 'name: shop\n');
    fs.writeFileSync(path.join(root, 'models', 'gold', 'docs.md'), '{% docs tier %}\nThe **tier**.\n{% enddocs %}\n\n{%- docs other -%}Other{%- enddocs -%}\n');
    fs.writeFileSync(path.join(root, 'macros', 'macros.md'), '{% docs from_macros %}In macros/{% enddocs %}');
    fs.writeFileSync(path.join(root, 'models', 'notes.txt'), '{% docs ignored %}x{% enddocs %}');
    const blocks = readDocBlocks(loadProject(root, { env: {} }));
    expect(blocks.get('tier')).toBe('The **tier**.');
    expect(blocks.get('shop.tier')).toBe('The **tier**.');
    expect(blocks.get('other')).toBe('Other');
    expect(blocks.get('from_macros')).toBe('In macros/');
    expect(blocks.has('ignored')).toBe(false);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('reads only docs-paths when it is set', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-doc-blocks-'));
    fs.mkdirSync(path.join(root, 'models'), { recursive: true });
    fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(root, 'project.yml'), 'name: shop\ndocs-paths: [docs]\n');
    fs.writeFileSync(path.join(root, 'models', 'a.md'), '{% docs in_models %}x{% enddocs %}');
    fs.writeFileSync(path.join(root, 'docs', 'b.md'), '{% docs in_docs %}y{% enddocs %}');
    const blocks = readDocBlocks(loadProject(root, { env: {} }));
    expect([...blocks.keys()]).toEqual(['in_docs', 'shop.in_docs']);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it.each([
    ["{{ doc('tier') }}", 'The tier.'],
    ['{{ doc("tier") }}', 'The tier.'],
    ["{{ doc('shop', 'tier') }}", 'The tier.'],
    ["Before. {{- doc('tier') -}} After.", 'Before. The tier. After.'],
    ["{{ doc('missing') }}", "{{ doc('missing') }}"],
    ['No call here.', 'No call here.'],
  ])('%s → %s', (description, expected) => {
    const blocks = new Map([
      ['tier', 'The tier.'],
      ['shop.tier', 'The tier.'],
    ]);
    expect(renderDocCalls(description, blocks)).toBe(expected);
  });
});
