import { describe, expect, it } from 'vitest';
import { compactRgba, convertChannels, type Raster } from '../../../src/engine/data/raster.js';

const rgb = (data: number[]): Raster => ({
  width: data.length / 3,
  height: 1,
  channels: 3,
  data: Uint8Array.from(data),
});

describe('convertChannels', () => {
  it('turns RGB into gray by luminance 0.299/0.587/0.114', () => {
    const gray = convertChannels(rgb([255, 0, 0, 0, 255, 0, 0, 0, 255, 90, 90, 90]), 1);
    expect([...gray.data]).toEqual([76, 150, 29, 90]);
  });

  it('replicates gray into RGB', () => {
    const src: Raster = { width: 2, height: 1, channels: 1, data: Uint8Array.from([7, 200]) };
    expect([...convertChannels(src, 3).data]).toEqual([7, 7, 7, 200, 200, 200]);
  });

  it('drops alpha by compositing over white', () => {
    const src: Raster = {
      width: 2,
      height: 1,
      channels: 4,
      data: Uint8Array.from([0, 0, 0, 0, 0, 100, 200, 255]),
    };
    expect([...convertChannels(src, 3).data]).toEqual([255, 255, 255, 0, 100, 200]);
    const half: Raster = {
      width: 1,
      height: 1,
      channels: 4,
      data: Uint8Array.from([0, 0, 0, 127.5]),
    };
    expect([...convertChannels(half, 1).data]).toEqual([128]);
  });

  it('keeps alpha for a four-channel model', () => {
    const src: Raster = { width: 1, height: 1, channels: 1, data: Uint8Array.from([9]) };
    expect([...convertChannels(src, 4).data]).toEqual([9, 9, 9, 255]);
  });
});

describe('compactRgba', () => {
  it('uses the fewest channels that lose nothing', () => {
    expect(compactRgba(1, 1, Uint8Array.from([5, 5, 5, 255])).channels).toBe(1);
    expect(compactRgba(1, 1, Uint8Array.from([5, 6, 5, 255])).channels).toBe(3);
    expect(compactRgba(1, 1, Uint8Array.from([5, 5, 5, 254])).channels).toBe(4);
  });
});
