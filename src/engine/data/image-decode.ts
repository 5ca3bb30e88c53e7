import { inflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { MAX_IMAGE_PIXELS, MAX_JPEG_MEMORY_MB } from './limits.js';
import { compactRgba, type Raster } from './raster.js';

export type ImageType = 'png' | 'jpeg';

/** A reason an image cannot be used, worded for the user (it ends up in `skipped`). */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image type by content signature, whatever the file is named. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return 'jpeg';
  }
  return null;
}

export interface ImageHeader {
  width: number;
  height: number;
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

function checkSize(width: number, height: number, type: string): void {
  if (width === 0 || height === 0) {
    throw new ImageDecodeError(`corrupt ${type}: it declares a size of ${width}×${height}`);
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageDecodeError(
      `${type} too large: it declares ${width}×${height} pixels, more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels allowed`,
    );
  }
}

/** Reads and checks the IHDR chunk, which the PNG format requires to come first. */
export function readPngHeader(b: Uint8Array): ImageHeader & { interlaced: boolean } {
  const ihdr = String.fromCharCode(b[12], b[13], b[14], b[15]);
  if (b.length < 33 || u32(b, 8) !== 13 || ihdr !== 'IHDR') {
    throw new ImageDecodeError('corrupt PNG: no image header (IHDR) after the signature');
  }
  const width = u32(b, 16);
  const height = u32(b, 20);
  checkSize(width, height, 'PNG');
  return { width, height, interlaced: b[28] === 1 };
}

/** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Walks the JPEG markers up to the frame header, which holds the size. */
export function readJpegHeader(b: Uint8Array): ImageHeader {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) throw new ImageDecodeError('corrupt JPEG: a marker is missing');
    const marker = b[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break;
    const length = u16(b, i + 2);
    if (isStartOfFrame(marker)) {
      if (length < 8 || i + 2 + length > b.length) break;
      const height = u16(b, i + 5);
      const width = u16(b, i + 7);
      checkSize(width, height, 'JPEG');
      return { width, height };
    }
    i += 2 + length;
  }
  throw new ImageDecodeError('corrupt JPEG: no frame header (SOF) before the image data');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * pngjs bounds the inflated size of non-interlaced images, but not of interlaced ones: check
 * those ourselves so that a small file cannot inflate to gigabytes.
 */
function checkInterlacedInflatedSize(b: Uint8Array, header: ImageHeader): void {
  const parts: Uint8Array[] = [];
  for (let i = 8; i + 12 <= b.length;) {
    const length = u32(b, i);
    const type = String.fromCharCode(b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
    if (type === 'IDAT') parts.push(b.subarray(i + 8, Math.min(b.length, i + 8 + length)));
    if (type === 'IEND') break;
    i += 12 + length;
  }
  // 16-bit RGBA plus one filter byte per row for each of the 7 passes.
  const bound = header.width * header.height * 8 + 7 * header.height + 1024;
  try {
    inflateSync(Buffer.concat(parts), { maxOutputLength: bound });
  } catch {
    throw new ImageDecodeError('corrupt PNG: its compressed data does not match its size');
  }
}

function decodePng(bytes: Uint8Array): Raster {
  const header = readPngHeader(bytes);
  if (header.interlaced) checkInterlacedInflatedSize(bytes, header);
  let png;
  try {
    png = PNG.sync.read(asBuffer(bytes));
  } catch (error) {
    throw new ImageDecodeError(`corrupt PNG: ${describe(error)}`);
  }
  if (png.data.length !== png.width * png.height * 4) {
    throw new ImageDecodeError('corrupt PNG: its pixel data is incomplete');
  }
  return compactRgba(png.width, png.height, png.data);
}

function decodeJpeg(bytes: Uint8Array): Raster {
  readJpegHeader(bytes);
  let image;
  try {
    image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      maxMemoryUsageInMB: MAX_JPEG_MEMORY_MB,
    });
  } catch (error) {
    throw new ImageDecodeError(`corrupt JPEG: ${describe(error)}`);
  }
  return compactRgba(image.width, image.height, image.data);
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim() || 'it could not be decoded';
}

/** Decodes a PNG or JPEG (by content) into the fewest channels that lose nothing. */
export function decodeImage(bytes: Uint8Array): Raster {
  const type = sniffImageType(bytes);
  if (type === 'png') return decodePng(bytes);
  if (type === 'jpeg') return decodeJpeg(bytes);
  throw new ImageDecodeError('not a PNG or JPEG image (judged by its content, not its name)');
}
