import { describe, expect, it } from 'vitest';
import { cropWindow, writeImageInput } from '../../../src/engine/data/image-input.js';
import type { Raster } from '../../../src/engine/data/raster.js';

describe('cropWindow', () => {
  it('takes the centred square, or everything', () => {
    expect(cropWindow(6, 4, 'center')).toEqual({ x: 1, y: 0, width: 4, height: 4 });
    expect(cropWindow(4, 7, 'center')).toEqual({ x: 0, y: 1, width: 4, height: 4 });
    expect(cropWindow(6, 4, 'none')).toEqual({ x: 0, y: 0, width: 6, height: 4 });
  });
});

describe('writeImageInput', () => {
  // 4×2 gray: left half 0, right half 255.
  const image: Raster = {
    width: 4,
    height: 2,
    channels: 1,
    data: Uint8Array.from([0, 0, 255, 255, 0, 0, 255, 255]),
  };

  it('applies each scaling', () => {
    const shape = { height: 2, width: 4, channels: 1 } as const;
    const out = new Float32Array(10);
    writeImageInput(image, shape, { scaling: '0-1', crop: 'none' }, out, 1);
    expect([...out.subarray(0, 4)]).toEqual([0, 0, 0, 1]);
    writeImageInput(image, shape, { scaling: '-1-1', crop: 'none' }, out, 0);
    expect([...out.subarray(0, 4)]).toEqual([-1, -1, 1, 1]);
    writeImageInput(image, shape, { scaling: '0-255', crop: 'none' }, out, 0);
    expect([...out.subarray(0, 4)]).toEqual([0, 0, 255, 255]);
  });

  it('centre-crops before resizing, or squeezes the whole image', () => {
    const shape = { height: 1, width: 1, channels: 3 } as const;
    const out = new Float32Array(3);
    writeImageInput(image, shape, { scaling: '0-255', crop: 'none' }, out, 0);
    expect([...out]).toEqual([127.5, 127.5, 127.5]);
    const wide: Raster = {
      width: 4,
      height: 2,
      channels: 1,
      data: Uint8Array.from([0, 200, 200, 0, 0, 200, 200, 0]),
    };
    writeImageInput(wide, shape, { scaling: '0-255', crop: 'center' }, out, 0);
    expect([...out]).toEqual([200, 200, 200]);
  });
});
