import { PNG } from 'pngjs';
import { DEFAULT_THUMBNAIL_SIZE } from './limits.js';
import { convertChannels, type Raster } from './raster.js';
import { resizeRaster } from './resize.js';

/**
 * The whole image (no crop), fitted within size×size with its aspect ratio kept, as a
 * grayscale or RGB PNG. Enlarging uses nearest neighbour so that tiny images stay crisp.
 */
export function encodeThumbnail(image: Raster, size = DEFAULT_THUMBNAIL_SIZE): Uint8Array {
  const side = Math.max(1, Math.min(1024, Math.round(size) || DEFAULT_THUMBNAIL_SIZE));
  const src = image.channels === 4 ? convertChannels(image, 3) : image;
  const scale = side / Math.max(src.width, src.height);
  const width = Math.max(1, Math.round(src.width * scale));
  const height = Math.max(1, Math.round(src.height * scale));
  const pixels = resizeRaster(
    src,
    { x: 0, y: 0, width: src.width, height: src.height },
    width,
    height,
    'nearest',
  );

  const png = new PNG({ width, height });
  const c = src.channels;
  for (let p = 0; p < width * height; p++) {
    for (let ch = 0; ch < 3; ch++) {
      png.data[p * 4 + ch] = Math.round(pixels[p * c + (c === 1 ? 0 : ch)]);
    }
    png.data[p * 4 + 3] = 255;
  }
  const bytes = PNG.sync.write(png, { colorType: c === 1 ? 0 : 2 });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
