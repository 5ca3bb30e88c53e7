import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { MAX_IMAGE_PIXELS } from './limits.js';
import type { Raster } from './raster.js';

// No libvips operation cache: a folder of thousands of distinct files would only fill it, and
// memory must stay flat however many images there are.
sharp.cache(false);
// One libvips thread per image: images are decoded side by side on libuv's thread pool instead,
// which keeps every core busy without oversubscribing a small machine.
sharp.concurrency(1);

/** What the content says the file is (the name is never trusted). */
export type ImageType =
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'webp'
  | 'tiff'
  | 'bmp'
  | 'avif'
  | 'heic'
  /** A HEIF container whose main brand does not say the codec (AVIF or HEVC): libvips decides. */
  | 'heif';

/** Bytes `sniffImageType` needs to tell every type apart. */
export const SNIFF_BYTES = 12;

/** A reason an image cannot be used, worded for the user (it ends up in `skipped`). */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/** The image type by content signature, whatever the file is named. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 4) === 'PNG' && b[4] === 0x0d) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (b.length >= 4 && (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*')) return 'tiff';
  if (b.length >= 8 && ascii(b, 0, 2) === 'BM' && b[6] === 0 && b[7] === 0) return 'bmp';
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis'].includes(brand)) return 'heic';
    if (brand === 'mif1' || brand === 'msf1') return 'heif';
  }
  return null;
}

const TYPE_NAMES: Record<ImageType, string> = {
  png: 'PNG',
  jpeg: 'JPEG',
  gif: 'GIF',
  webp: 'WebP',
  tiff: 'TIFF',
  bmp: 'BMP',
  avif: 'AVIF',
  heic: 'HEIC',
  heif: 'HEIF',
};

/** Types the bundled libvips cannot read at all: said plainly instead of a decoder message. */
const UNREADABLE: Partial<Record<ImageType, string>> = {
  bmp: 'a BMP image, which the image decoder (libvips) cannot read: convert it to PNG',
  heic: 'a HEIC image, which the image decoder (libvips, without HEVC) cannot read: convert it to JPEG',
};

/** The decoder's message, on one line, without anything that is not plain text. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message
    .split('\n')
    .map((part) => part.trim())
    .filter(Boolean)
    .join('; ')
    .replace(/[^\x20-\x7e]/g, '?');
  return (line.length > 200 ? `${line.slice(0, 200)}…` : line) || 'it could not be decoded';
}

export function decodeError(type: ImageType | null, error: unknown): ImageDecodeError {
  if (error instanceof ImageDecodeError) return error;
  const what = type ? TYPE_NAMES[type] : 'image';
  return new ImageDecodeError(`corrupt ${what}: ${describe(error)}`);
}

export interface ImageHeader {
  type: ImageType;
  /** As displayed, i.e. after the EXIF orientation is applied. */
  width: number;
  height: number;
}

/**
 * Reads and checks an image's header (no pixels are decoded): its type by content, its size
 * and the pixel limit that keeps decompression bombs out.
 */
export async function readImageHeader(bytes: Uint8Array): Promise<ImageHeader> {
  const type = sniffImageType(bytes);
  if (!type) {
    throw new ImageDecodeError(
      'not an image this app reads (PNG, JPEG, GIF, WebP, TIFF or AVIF, judged by its content, not its name)',
    );
  }
  const unreadable = UNREADABLE[type];
  if (unreadable) throw new ImageDecodeError(unreadable);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeError(type, error);
  }
  const { width = 0, height = 0 } = meta;
  const name = TYPE_NAMES[type];
  if (width === 0 || height === 0) {
    throw new ImageDecodeError(`corrupt ${name}: it declares a size of ${width}×${height}`);
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageDecodeError(
      `${name} too large: it declares ${width}×${height} pixels, more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels allowed`,
    );
  }
  const turned = (meta.orientation ?? 1) >= 5;
  return { type, width: turned ? height : width, height: turned ? width : height };
}

/** What a decoded image is brought to: the model's input size and channels. */
export interface DecodeTarget {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  /** 'center': the centred square, scaled to the size; 'none': the whole image, stretched. */
  crop: 'center' | 'none';
}

/** ITU-R BT.601 luma, as PIL's convert('L'); gray pixels stay exactly gray. */
function luminance(rgb: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const r = rgb[p * 3];
    const g = rgb[p * 3 + 1];
    const b = rgb[p * 3 + 2];
    out[p] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return out;
}

/**
 * Decodes an image (bytes or a file path) with libvips and brings it to `target`, following the
 * preprocessing contract of docs/architecture.md ("Image preprocessing"):
 * EXIF orientation applied; first frame or page only; colour converted to 8-bit sRGB (embedded
 * ICC profiles honoured, CMYK converted); with crop 'center', scaled so that the shorter side
 * fits and the centred square kept, else stretched to the size; bilinear (triangle) kernel, which
 * averages every source pixel when shrinking, JPEGs possibly shrunk on load by DCT scaling first;
 * alpha dropped (3-channel models) or kept (4-channel models, opaque when absent); 1-channel
 * models get the BT.601 luminance of the resized RGB.
 */
export async function decodeImage(
  input: Uint8Array | string,
  target: DecodeTarget,
): Promise<Raster> {
  const { width, height, channels, crop } = target;
  let pipeline = sharp(input, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS })
    .autoOrient()
    .resize(width, height, {
      fit: crop === 'center' ? 'cover' : 'fill',
      position: 'centre',
      kernel: 'linear',
      fastShrinkOnLoad: false,
    })
    .toColourspace('srgb');
  pipeline = channels === 4 ? pipeline.ensureAlpha(1) : pipeline.removeAlpha();
  let data: Buffer;
  let info: OutputInfo;
  try {
    ({ data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
  } catch (error) {
    if (typeof input === 'string') {
      // libvips loses its message for some broken files read by path: decode the bytes again,
      // only for files that failed, to say what is wrong with them.
      const bytes = await readFile(input).catch(() => null);
      if (!bytes) throw new ImageDecodeError('it cannot be read any more');
      return decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), target);
    }
    throw decodeError(sniffImageType(input), error);
  }
  const bands = channels === 4 ? 4 : 3;
  if (info.width !== width || info.height !== height || data.length !== width * height * bands) {
    throw new ImageDecodeError(
      `it decoded to ${info.width}×${info.height}×${info.channels}, not ${width}×${height}×${bands}`,
    );
  }
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  return {
    width,
    height,
    channels,
    data: channels === 1 ? luminance(pixels, width * height) : pixels,
  };
}
