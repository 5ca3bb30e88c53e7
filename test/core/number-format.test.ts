import { describe, expect, it } from 'vitest';
import {
  countRange,
  fixedNonZero,
  formatPValue,
  groupThousands,
  pluralCount,
  signed,
  signedInterval,
  signedPoints,
} from '../../src/core/number-format';

describe('number format', () => {
  it('groups thousands and writes a true minus', () => {
    expect(groupThousands(1000)).toBe('1,000');
    expect(groupThousands(999)).toBe('999');
    expect(groupThousands(-12345)).toBe('−12,345');
    expect(pluralCount(1, 'layer')).toBe('1 layer');
    expect(pluralCount(1, 'other class', 'other classes')).toBe('1 other class');
    expect(pluralCount(1000, 'sample')).toBe('1,000 samples');
  });

  it('never rounds a nonzero difference to a signed zero', () => {
    expect(signed(0, 4)).toBe('0.0000');
    expect(signed(0.00003, 4)).toBe('+0.000030');
    expect(signed(-0.00004, 2)).toBe('−0.000040');
    expect(signed(0.0123, 4)).toBe('+0.0123');
    expect(signedPoints(-0.00004)).toBe('−0.0040 points');
    expect(signed(0.0004, 4)).toBe('+0.0004');
    expect(signedInterval(0.00001, 0.00005, 4)).toBe('+0.000010 to +0.000050');
    expect(fixedNonZero(0.5, 2)).toBe('0.50');
  });

  it('writes intervals and ranges in one style', () => {
    expect(signedInterval(-0.0102, 0.0181, 2, 100, 'points')).toBe('−1.02 to +1.81 points');
    expect(signedInterval(NaN, 1, 2)).toBe('no interval');
    expect(countRange(1000, 1000)).toBe('1,000');
    expect(countRange(1000, 2500)).toBe('1,000–2,500');
  });

  it('writes p-values', () => {
    expect(formatPValue(0.0004)).toBe('p < 0.001');
    expect(formatPValue(0.0123)).toBe('p = 0.01');
    expect(formatPValue(0.0049)).toBe('p = 0.005');
    expect(formatPValue(0.43)).toBe('p = 0.43');
  });
});
