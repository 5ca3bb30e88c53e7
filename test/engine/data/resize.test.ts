import { describe, expect, it } from 'vitest';
import { axisTaps, resizeRaster } from '../../../src/engine/data/resize.js';
import type { Raster } from '../../../src/engine/data/raster.js';

const gray = (width: number, height: number, data: number[]): Raster => ({
  width,
  height,
  channels: 1,
  data: Uint8Array.from(data),
});
const full = (r: Raster) => ({ x: 0, y: 0, width: r.width, height: r.height });

describe('axisTaps', () => {
  it('gives weights that sum to one, for any ratio', () => {
    for (const [src, dst] of [
      [7, 3],
      [3, 7],
      [28, 28],
      [100, 224],
      [224, 28],
    ]) {
      for (const tap of axisTaps(src, dst, 'smooth')) {
        expect(tap.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
        expect(tap.first).toBeGreaterThanOrEqual(0);
        expect(tap.first + tap.weights.length).toBeLessThanOrEqual(src);
      }
    }
  });
});

describe('resizeRaster', () => {
  it('averages areas when shrinking', () => {
    const src = gray(4, 2, [0, 10, 20, 30, 40, 50, 60, 70]);
    expect([...resizeRaster(src, full(src), 2, 1, 'smooth')]).toEqual([25, 45]);
  });

  it('averages fractional areas when shrinking by a non-integer factor', () => {
    const src = gray(3, 1, [0, 30, 60]);
    // Output pixels cover [0, 1.5) and [1.5, 3).
    expect([...resizeRaster(src, full(src), 2, 1, 'smooth')]).toEqual([10, 50]);
  });

  it('interpolates bilinearly with half-pixel centres when enlarging', () => {
    const src = gray(2, 1, [0, 100]);
    expect([...resizeRaster(src, full(src), 4, 1, 'smooth')]).toEqual([0, 25, 75, 100]);
    expect([...resizeRaster(src, full(src), 4, 1, 'nearest')]).toEqual([0, 0, 100, 100]);
  });

  it('reads only the window', () => {
    const src = gray(4, 1, [1, 2, 3, 4]);
    expect([...resizeRaster(src, { x: 1, y: 0, width: 2, height: 1 }, 2, 1, 'smooth')]).toEqual([
      2, 3,
    ]);
  });

  it('keeps channels apart', () => {
    const src: Raster = {
      width: 2,
      height: 1,
      channels: 3,
      data: Uint8Array.from([0, 100, 200, 100, 0, 200]),
    };
    expect([...resizeRaster(src, full(src), 1, 1, 'smooth')]).toEqual([50, 50, 200]);
  });
});
