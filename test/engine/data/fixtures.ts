/** Builders for the small test sets the data tests write to temp dirs. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, deflateSync, gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';

export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'calibration-audit-data-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeFileDeep(path: string, data: string | Uint8Array): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
  return path;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export interface RawPng {
  width: number;
  height: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth?: 8 | 16;
  /** Samples row by row, without filter bytes (big-endian pairs for 16-bit). */
  samples: Uint8Array;
  palette?: number[][];
  interlaced?: boolean;
  /** Replaces the compressed pixel data. */
  idat?: Buffer;
}

/** A PNG written by hand, so that every colour type and bit depth can be made. */
export function encodePng(png: RawPng): Buffer {
  const bitDepth = png.bitDepth ?? 8;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(png.width, 0);
  ihdr.writeUInt32BE(png.height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = png.colorType;
  ihdr[12] = png.interlaced ? 1 : 0;
  const rowBytes = png.samples.length / png.height;
  const raw = Buffer.alloc((rowBytes + 1) * png.height);
  for (let y = 0; y < png.height; y++) {
    raw.set(png.samples.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }
  const chunks = [chunk('IHDR', ihdr)];
  if (png.palette) chunks.push(chunk('PLTE', Uint8Array.from(png.palette.flat())));
  chunks.push(chunk('IDAT', png.idat ?? deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

/** A PNG whose header claims a size no one should allocate, with a tiny body. */
export function hugePngHeader(width = 100_000, height = 100_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

export function grayPng(width: number, height: number, value: (x: number, y: number) => number) {
  const samples = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) samples[y * width + x] = value(x, y);
  return encodePng({ width, height, colorType: 0, samples });
}

export function rgbPng(width: number, height: number, rgb: [number, number, number]) {
  const samples = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) samples.set(rgb, p * 3);
  return encodePng({ width, height, colorType: 2, samples });
}

export function rgbaPng(width: number, height: number, rgba: [number, number, number, number]) {
  const samples = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) samples.set(rgba, p * 4);
  return encodePng({ width, height, colorType: 6, samples });
}

export function rgbJpeg(width: number, height: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([...rgb, 255], p * 4);
  return jpeg.encode({ width, height, data }, 95).data;
}

export interface IdxContent {
  images: Buffer;
  labels: Buffer;
}

/** An IDX pair; `pixel(i, offset)` gives the bytes of image i. */
export function idxPair(
  labels: number[],
  rows: number,
  cols: number,
  pixel: (i: number, offset: number) => number = (i, o) => (i * 7 + o) % 256,
): IdxContent {
  const images = Buffer.alloc(16 + labels.length * rows * cols);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(labels.length, 4);
  images.writeUInt32BE(rows, 8);
  images.writeUInt32BE(cols, 12);
  for (let i = 0; i < labels.length; i++) {
    for (let o = 0; o < rows * cols; o++) images[16 + i * rows * cols + o] = pixel(i, o);
  }
  const labelBytes = Buffer.alloc(8 + labels.length);
  labelBytes.writeUInt32BE(0x801, 0);
  labelBytes.writeUInt32BE(labels.length, 4);
  labelBytes.set(labels, 8);
  return { images, labels: labelBytes };
}

/** Writes `<prefix>-images-idx3-ubyte[.gz]` and its labels file into dir; returns the images path. */
export async function writeIdxPair(
  dir: string,
  prefix: string,
  content: IdxContent,
  gzip: boolean,
): Promise<{ images: string; labels: string }> {
  const ext = gzip ? '.gz' : '';
  const images = join(dir, `${prefix}-images-idx3-ubyte${ext}`);
  const labels = join(dir, `${prefix}-labels-idx1-ubyte${ext}`);
  await writeFileDeep(images, gzip ? gzipSync(content.images) : content.images);
  await writeFileDeep(labels, gzip ? gzipSync(content.labels) : content.labels);
  return { images, labels };
}

export async function collect<T>(generator: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of generator) out.push(item);
  return out;
}

export const GRAY_28 = { kind: 'image', height: 28, width: 28, channels: 1 } as const;
