import { describe, expect, it } from 'vitest';
import { compareVersions, formatRange, highestSatisfying, intersectRanges, isEmptyRange, parseRange, parseVersion } from '../../compiler/deps/version-range.js';

const v = (text: string) => parseVersion(text)!;

describe('version ranges', () => {
  it.each([
    ['1.0.0', '1.0.1', -1],
    ['1.10.0', '1.9.9', 1],
    ['1.0.0-b1', '1.0.0', -1],
    ['1.0.0-b1', '1.0.0-b2', -1],
    ['1.0.0-alpha.2', '1.0.0-alpha.10', -1],
    ['1.0.0-1', '1.0.0-alpha', -1],
    ['2.0.0', '2.0.0+build', 0],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(v(a), v(b)))).toBe(sign);
  });

  it.each([
    [['>=1.0.0', '<2.0.0'], ['0.9.0', '1.0.0', '1.4.1', '2.0.0'], '1.4.1'],
    ['1.4.1', ['1.4.0', '1.4.1', '1.5.0'], '1.4.1'],
    ['=1.4.0', ['1.4.0', '1.4.1'], '1.4.0'],
    [['>1.0.0', '<=1.5.0'], ['1.0.0', '1.5.0', '1.5.1'], '1.5.0'],
    [['>=1.0.0'], ['1.0.0', '2.0.0-b1'], '1.0.0'],
    ['2.0.0-b1', ['1.0.0', '2.0.0-b1'], '2.0.0-b1'],
    [['>=3.0.0'], ['1.0.0'], undefined],
  ] as const)('%j of %j picks %s', (range, available, expected) => {
    expect(highestSatisfying(available, parseRange(range as string[])!, false)?.text).toBe(expected);
  });

  it('allows prereleases only when asked', () => {
    expect(highestSatisfying(['1.0.0', '1.1.0-rc1'], parseRange('>=1.0.0')!, true)?.text).toBe('1.1.0-rc1');
  });

  it('intersects ranges and knows when nothing is left', () => {
    const a = parseRange(['>=1.0.0', '<2.0.0'])!;
    const b = parseRange(['>=1.3.0', '<3.0.0'])!;
    expect(formatRange(intersectRanges(a, b))).toBe('>=1.3.0, <2.0.0');
    expect(isEmptyRange(intersectRanges(a, parseRange('>=2.0.0')!))).toBe(true);
    expect(isEmptyRange(intersectRanges(parseRange('<=2.0.0')!, parseRange('>=2.0.0')!))).toBe(false);
    expect(isEmptyRange(intersectRanges(parseRange('<2.0.0')!, parseRange('>=2.0.0')!))).toBe(true);
  });

  it('refuses what it does not understand', () => {
    expect(parseRange('^1.0.0')).toBeUndefined();
    expect(parseRange(['>=1.0'])).toBeUndefined();
  });
});
