import type { PixelScaling } from './types.js';

/**
 * torchvision's ImageNet statistics (of pixels scaled to 0..1), red, green, blue: what most
 * PyTorch-trained image models (and their ONNX exports) expect, (x/255 − mean) / std per channel.
 */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/**
 * Writes `pixels` (0..255, channels last: element i is channel i % channels) into `out` at
 * `offset`, scaled as the model expects. 'imagenet' normalises the three colour channels by
 * ImageNet's mean and standard deviation; a grey channel by their averages (0.449, 0.226); an
 * alpha channel (the fourth) is scaled to 0..1.
 */
export function scalePixels(
  pixels: ArrayLike<number>,
  scaling: PixelScaling,
  out: Float32Array,
  offset: number,
  channels = 3,
): void {
  const n = pixels.length;
  if (scaling === '0-255') {
    for (let i = 0; i < n; i++) out[offset + i] = pixels[i];
  } else if (scaling === '-1-1') {
    for (let i = 0; i < n; i++) out[offset + i] = pixels[i] / 127.5 - 1;
  } else if (scaling === 'imagenet') {
    const { scale, shift } = imagenetAffine(channels);
    for (let i = 0; i < n; i++) {
      const c = i % channels;
      out[offset + i] = pixels[i] * scale[c] + shift[c];
    }
  } else {
    for (let i = 0; i < n; i++) out[offset + i] = pixels[i] / 255;
  }
}

/** (x/255 − mean)/std as x·scale + shift, per channel. */
function imagenetAffine(channels: number): { scale: Float64Array; shift: Float64Array } {
  const mean = channels < 3 ? [0.449] : [...IMAGENET_MEAN, 0];
  const std = channels < 3 ? [0.226] : [...IMAGENET_STD, 1];
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = mean[Math.min(c, mean.length - 1)];
    const s = std[Math.min(c, std.length - 1)];
    scale[c] = 1 / (255 * s);
    shift[c] = -m / s;
  }
  return { scale, shift };
}
