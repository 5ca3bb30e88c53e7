import { describe, expect, it } from 'vitest';
import { writeImageInput } from '../../../src/engine/data/image-input.js';
import type { Raster } from '../../../src/engine/data/raster.js';
import { IMAGENET_MEAN, IMAGENET_STD, scalePixels } from '../../../src/engine/data/scaling.js';
import { nhwcToNchw } from '../../../src/engine/model/formats/onnx.js';

// A 2×3 RGB image with distinct values per pixel and channel.
const H = 2;
const W = 3;
const rgb: Raster = {
  width: W,
  height: H,
  channels: 3,
  data: Uint8Array.from({ length: H * W * 3 }, (_, i) => (i * 37 + 11) % 256),
};
const normalised = (x: number, c: number) => (x / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];

describe('ImageNet mean/std normalisation', () => {
  it('gives (x/255 − mean)/std per channel in NHWC order', () => {
    const out = new Float32Array(H * W * 3);
    writeImageInput(
      rgb,
      { height: H, width: W, channels: 3 },
      { scaling: 'imagenet', crop: 'none' },
      out,
      0,
    );
    for (let p = 0; p < H * W; p++) {
      for (let c = 0; c < 3; c++) {
        expect(out[p * 3 + c]).toBeCloseTo(normalised(rgb.data[p * 3 + c], c), 5);
      }
    }
    // Black and white at the extremes of each channel.
    const extremes = new Float32Array(6);
    scalePixels([0, 0, 0, 255, 255, 255], 'imagenet', extremes, 0, 3);
    expect([...extremes].map((v) => +v.toFixed(4))).toEqual([
      -2.1179, -2.0357, -1.8044, 2.2489, 2.4286, 2.64,
    ]);
  });

  it('gives the same values per channel in NCHW order, as an ONNX model with channels first reads them', () => {
    const batch = 2;
    const x = new Float32Array(batch * H * W * 3);
    writeImageInput(
      rgb,
      { height: H, width: W, channels: 3 },
      { scaling: 'imagenet', crop: 'none' },
      x,
      0,
    );
    writeImageInput(
      rgb,
      { height: H, width: W, channels: 3 },
      { scaling: 'imagenet', crop: 'none' },
      x,
      H * W * 3,
    );
    const nchw = nhwcToNchw(x, batch, [H, W, 3]);
    for (let i = 0; i < batch; i++) {
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < H * W; p++) {
          const value = nchw[i * 3 * H * W + c * H * W + p];
          expect(value).toBeCloseTo(normalised(rgb.data[p * 3 + c], c), 5);
        }
      }
    }
  });

  it('normalises grey by the channel averages and leaves alpha at 0..1', () => {
    const grey = new Float32Array(2);
    scalePixels([0, 255], 'imagenet', grey, 0, 1);
    expect(grey[0]).toBeCloseTo(-0.449 / 0.226, 5);
    expect(grey[1]).toBeCloseTo((1 - 0.449) / 0.226, 5);
    const rgba = new Float32Array(8);
    scalePixels([255, 255, 255, 255, 0, 0, 0, 51], 'imagenet', rgba, 0, 4);
    expect(rgba[3]).toBeCloseTo(1, 6);
    expect(rgba[7]).toBeCloseTo(0.2, 6);
    expect(rgba[4]).toBeCloseTo(normalised(0, 0), 5);
  });
});
