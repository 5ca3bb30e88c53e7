import type { PixelScaling } from './types.js';

/** Writes `pixels` (0..255) into `out` at `offset`, scaled as the model expects. */
export function scalePixels(
  pixels: ArrayLike<number>,
  scaling: PixelScaling,
  out: Float32Array,
  offset: number,
): void {
  const n = pixels.length;
  if (scaling === '0-255') {
    for (let i = 0; i < n; i++) out[offset + i] = pixels[i];
  } else if (scaling === '-1-1') {
    for (let i = 0; i < n; i++) out[offset + i] = pixels[i] / 127.5 - 1;
  } else {
    for (let i = 0; i < n; i++) out[offset + i] = pixels[i] / 255;
  }
}
