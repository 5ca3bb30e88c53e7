import { describe, expect, it } from 'vitest';
import {
  count,
  countRange,
  plural,
  points,
  pointsInterval,
  pValue,
  range,
} from '../../../../src/renderer/src/lib/format';

describe('the views number format', () => {
  it('groups thousands everywhere and writes plurals', () => {
    expect(count(1000)).toBe('1,000');
    expect(plural(1, 'layer')).toBe('1 layer');
    expect(plural(1000, 'sample')).toBe('1,000 samples');
  });

  it('never writes a range with equal ends', () => {
    expect(countRange(1000, 1000)).toBe('1,000');
    expect(countRange(10, 1000)).toBe('10–1,000');
    expect(range(0.3, 0.3)).toBe('0.30');
    expect(range(0.9, 0.95)).toBe('0.90–0.95');
  });

  it('signs differences without a signed zero', () => {
    expect(points(0.034)).toBe('+3.4 pts');
    expect(points(-0.0102)).toBe('−1.0 pts');
    expect(points(0)).toBe('0.0 pts');
    expect(points(0.00004)).toBe('+0.0040 pts');
    expect(pointsInterval(-0.0102, 0.0181)).toBe('−1.0 to +1.8 pts');
    expect(pValue(0.0004)).toBe('p < 0.001');
  });
});
