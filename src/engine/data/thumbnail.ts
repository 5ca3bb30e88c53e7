import sharp, { type Metadata } from 'sharp';
import { decodeError } from './image-decode.js';
import { DEFAULT_THUMBNAIL_SIZE, MAX_IMAGE_PIXELS } from './limits.js';
import type { Raster } from './raster.js';

/**
 * The whole image (no crop), fitted within size×size with its aspect ratio kept, as a grayscale or
 * RGB PNG (libvips). Input: a decoded raster (IDX, CSV pixels) or an image file's bytes or path
 * (EXIF orientation applied, first frame, transparency shown over white). Enlarging uses nearest
 * neighbour so that tiny images (28×28) stay crisp; shrinking uses Lanczos.
 */
export async function encodeThumbnail(
  image: Raster | Uint8Array | string,
  size = DEFAULT_THUMBNAIL_SIZE,
): Promise<Uint8Array> {
  const side = Math.max(1, Math.min(1024, Math.round(size) || DEFAULT_THUMBNAIL_SIZE));
  const raster = typeof image === 'string' || image instanceof Uint8Array ? null : image;
  try {
    const source = raster
      ? sharp(raster.data, {
          raw: { width: raster.width, height: raster.height, channels: raster.channels },
        })
      : sharp(image as Uint8Array | string, {
          failOn: 'error',
          limitInputPixels: MAX_IMAGE_PIXELS,
        }).autoOrient();
    const meta = raster ?? (await source.clone().metadata());
    const turned = !raster && ((meta as Metadata).orientation ?? 1) >= 5;
    const width = (turned ? meta.height : meta.width) ?? side;
    const height = (turned ? meta.width : meta.height) ?? side;
    const enlarging = side > Math.max(width, height);
    const gray = raster ? raster.channels === 1 : (meta as Metadata).channels === 1;
    let pipeline = source
      .resize(side, side, { fit: 'inside', kernel: enlarging ? 'nearest' : 'lanczos3' })
      .flatten({ background: '#ffffff' });
    if (gray) pipeline = pipeline.toColourspace('b-w');
    const bytes = await pipeline.png().toBuffer();
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  } catch (error) {
    throw decodeError(null, error);
  }
}
