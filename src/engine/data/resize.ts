import type { Raster } from './raster.js';

/**
 * 'smooth': area averaging when shrinking (every source pixel counts, no aliasing), bilinear with
 * half-pixel centres when enlarging (as tf.image.resize). Chosen per axis.
 * 'nearest': the same when shrinking, nearest neighbour when enlarging (crisp thumbnails).
 */
export type ResizeMethod = 'smooth' | 'nearest';

export interface Window {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** For one output position: the weights of the source positions first, first+1, ... */
interface Tap {
  first: number;
  weights: number[];
}

export function axisTaps(srcLen: number, dstLen: number, method: ResizeMethod): Tap[] {
  const scale = srcLen / dstLen;
  const taps: Tap[] = [];
  for (let o = 0; o < dstLen; o++) {
    if (scale >= 1) {
      const a = o * scale;
      const b = Math.min(srcLen, (o + 1) * scale);
      const first = Math.floor(a);
      const last = Math.min(srcLen - 1, Math.ceil(b) - 1);
      const weights: number[] = [];
      for (let i = first; i <= last; i++) {
        weights.push((Math.min(i + 1, b) - Math.max(i, a)) / scale);
      }
      taps.push({ first, weights });
    } else if (method === 'nearest') {
      taps.push({ first: Math.min(srcLen - 1, Math.floor((o + 0.5) * scale)), weights: [1] });
    } else {
      const centre = Math.max(0, (o + 0.5) * scale - 0.5);
      const i0 = Math.floor(centre);
      const f = centre - i0;
      taps.push(
        i0 >= srcLen - 1 ? { first: srcLen - 1, weights: [1] } : { first: i0, weights: [1 - f, f] },
      );
    }
  }
  return taps;
}

// Test sets are mostly of one image size: keep the taps of the last few sizes.
const tapsCache = new Map<string, Tap[]>();

function cachedTaps(srcLen: number, dstLen: number, method: ResizeMethod): Tap[] {
  const key = `${srcLen}:${dstLen}:${method}`;
  let taps = tapsCache.get(key);
  if (!taps) {
    if (tapsCache.size >= 16) tapsCache.clear();
    taps = axisTaps(srcLen, dstLen, method);
    tapsCache.set(key, taps);
  }
  return taps;
}

/** Resizes `window` of `src` to dstWidth × dstHeight; values stay in 0..255 but become fractional. */
export function resizeRaster(
  src: Raster,
  window: Window,
  dstWidth: number,
  dstHeight: number,
  method: ResizeMethod,
): Float32Array {
  const c = src.channels;
  const xTaps = cachedTaps(window.width, dstWidth, method);
  const yTaps = cachedTaps(window.height, dstHeight, method);

  // Horizontal pass over the window's rows, then vertical pass over that.
  const rows = new Float32Array(window.height * dstWidth * c);
  for (let y = 0; y < window.height; y++) {
    const srcRow = ((window.y + y) * src.width + window.x) * c;
    for (let ox = 0; ox < dstWidth; ox++) {
      const { first, weights } = xTaps[ox];
      const dst = (y * dstWidth + ox) * c;
      for (let k = 0; k < weights.length; k++) {
        const w = weights[k];
        const s = srcRow + (first + k) * c;
        for (let ch = 0; ch < c; ch++) rows[dst + ch] += w * src.data[s + ch];
      }
    }
  }

  const out = new Float32Array(dstHeight * dstWidth * c);
  const rowLength = dstWidth * c;
  for (let oy = 0; oy < dstHeight; oy++) {
    const { first, weights } = yTaps[oy];
    const dst = oy * rowLength;
    for (let k = 0; k < weights.length; k++) {
      const w = weights[k];
      const s = (first + k) * rowLength;
      for (let i = 0; i < rowLength; i++) out[dst + i] += w * rows[s + i];
    }
  }
  return out;
}
