/** Docs blocks in `.md` files, put into descriptions that call `{{ doc(...) }}`, as dbt renders them. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDocBlocks, renderDocCalls } from '../../compiler/docs/doc-blocks.js';
import type { Project } from '../../compiler/project/load-project.js';

describe('docs blocks', () => {
  it('reads the blocks of .md files under the resource folders', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-doc-blocks-'));
    fs.mkdirSync(path.join(root, 'models', 'gold'), { recursive: true });
    fs.writeFileSync(path.join(root, 'models', 'gold', 'docs.md'), '{% docs tier %}\nThe **tier**.\n{% enddocs %}\n\n{%- docs other -%}Other{%- enddocs -%}\n');
    fs.writeFileSync(path.join(root, 'models', 'notes.txt'), '{% docs ignored %}x{% enddocs %}');
    const project = { root, name: 'shop', paths: { models: ['models'], macros: ['macros'], seeds: ['seeds'], tests: ['tests'], target: 'target', packages: 'dbt_packages' } } as unknown as Project;
    const blocks = readDocBlocks(project);
    expect(blocks.get('tier')).toBe('The **tier**.');
    expect(blocks.get('shop.tier')).toBe('The **tier**.');
    expect(blocks.get('other')).toBe('Other');
    expect(blocks.has('ignored')).toBe(false);
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
