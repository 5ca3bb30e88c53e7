/** A decoded image: `data` holds height*width*channels bytes, row by row, channels interleaved. */
export interface Raster {
  width: number;
  height: number;
  /** 1 = gray, 3 = RGB, 4 = RGBA. */
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/**
 * Converts to `channels`. RGB→gray uses luminance 0.299 R + 0.587 G + 0.114 B;
 * gray→RGB replicates; alpha is dropped by compositing over white.
 */
export function convertChannels(src: Raster, channels: 1 | 3 | 4): Raster {
  if (src.channels === channels) return src;
  const n = src.width * src.height;
  const out = new Uint8Array(n * channels);
  const sc = src.channels;
  const s = src.data;
  for (let p = 0; p < n; p++) {
    let r: number, g: number, b: number;
    let a = 255;
    if (sc === 1) {
      r = g = b = s[p];
    } else {
      r = s[p * sc];
      g = s[p * sc + 1];
      b = s[p * sc + 2];
      if (sc === 4) a = s[p * sc + 3];
    }
    if (channels === 4) {
      out[p * 4] = r;
      out[p * 4 + 1] = g;
      out[p * 4 + 2] = b;
      out[p * 4 + 3] = a;
      continue;
    }
    if (a !== 255) {
      const t = a / 255;
      r = r * t + 255 * (1 - t);
      g = g * t + 255 * (1 - t);
      b = b * t + 255 * (1 - t);
    }
    if (channels === 1) {
      // Gray stays exactly gray rather than going through the weighted sum.
      out[p] = r === g && g === b ? Math.round(r) : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    } else {
      out[p * 3] = Math.round(r);
      out[p * 3 + 1] = Math.round(g);
      out[p * 3 + 2] = Math.round(b);
    }
  }
  return { width: src.width, height: src.height, channels, data: out };
}

/**
 * Narrows an RGBA raster (what both decoders produce) to the fewest channels that lose
 * nothing: gray when every pixel has R = G = B, no alpha when every pixel is opaque.
 */
export function compactRgba(width: number, height: number, rgba: Uint8Array): Raster {
  const n = width * height;
  let gray = true;
  let opaque = true;
  for (let p = 0; p < n && (gray || opaque); p++) {
    const i = p * 4;
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) gray = false;
    if (rgba[i + 3] !== 255) opaque = false;
  }
  if (!opaque) return { width, height, channels: 4, data: rgba };
  const channels = gray ? 1 : 3;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    if (gray) {
      out[p] = rgba[p * 4];
    } else {
      out[p * 3] = rgba[p * 4];
      out[p * 3 + 1] = rgba[p * 4 + 1];
      out[p * 3 + 2] = rgba[p * 4 + 2];
    }
  }
  return { width, height, channels, data: out };
}
