import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeImage,
  ImageDecodeError,
  readJpegHeader,
  sniffImageType,
} from '../../../src/engine/data/image-decode.js';
import { encodePng, grayPng, hugePngHeader, rgbaPng, rgbJpeg, rgbPng } from './fixtures.js';

describe('sniffImageType', () => {
  it('tells PNG and JPEG by their content, not their name', () => {
    expect(sniffImageType(grayPng(2, 2, () => 0))).toBe('png');
    expect(sniffImageType(rgbJpeg(8, 8, [1, 2, 3]))).toBe('jpeg');
    expect(sniffImageType(Buffer.from('hello, I am text'))).toBeNull();
    expect(sniffImageType(new Uint8Array(0))).toBeNull();
  });
});

describe('decodeImage', () => {
  it('keeps an 8-bit grayscale PNG as one exact channel', () => {
    const image = decodeImage(grayPng(3, 2, (x, y) => x * 10 + y * 100));
    expect(image).toMatchObject({ width: 3, height: 2, channels: 1 });
    expect([...image.data]).toEqual([0, 10, 20, 100, 110, 120]);
  });

  it('decodes RGB as three channels and RGBA with transparency as four', () => {
    const rgb = decodeImage(rgbPng(2, 2, [200, 100, 50]));
    expect(rgb.channels).toBe(3);
    expect([...rgb.data.subarray(0, 3)]).toEqual([200, 100, 50]);
    const rgba = decodeImage(rgbaPng(2, 2, [200, 100, 50, 128]));
    expect(rgba.channels).toBe(4);
    expect([...rgba.data.subarray(0, 4)]).toEqual([200, 100, 50, 128]);
    // Fully opaque RGBA loses nothing by dropping alpha.
    expect(decodeImage(rgbaPng(2, 2, [1, 2, 3, 255])).channels).toBe(3);
  });

  it('rescales 16-bit PNGs to 8 bits', () => {
    const samples = Uint8Array.from([0xff, 0xff, 0x00, 0x00, 0x80, 0x80, 0x10, 0x10]);
    const image = decodeImage(
      encodePng({ width: 2, height: 2, colorType: 0, bitDepth: 16, samples }),
    );
    expect(image.channels).toBe(1);
    expect([...image.data]).toEqual([255, 0, 128, 16]);
  });

  it('expands palette PNGs', () => {
    const palette = [
      [255, 0, 0],
      [0, 0, 255],
    ];
    const image = decodeImage(
      encodePng({ width: 2, height: 1, colorType: 3, samples: Uint8Array.from([1, 0]), palette }),
    );
    expect(image.channels).toBe(3);
    expect([...image.data]).toEqual([0, 0, 255, 255, 0, 0]);
  });

  it('decodes interlaced PNGs but not ones that inflate far beyond their size', () => {
    // A 1×1 Adam7 image is a single pass holding the single pixel.
    const one = {
      width: 1,
      height: 1,
      colorType: 0,
      samples: Uint8Array.from([77]),
      interlaced: true,
    } as const;
    expect([...decodeImage(encodePng(one)).data]).toEqual([77]);
    const bomb = encodePng({ ...one, idat: deflateSync(Buffer.alloc(50_000_000)) });
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => decodeImage(bomb)).toThrow(/compressed data does not match its size/);
  });

  it('decodes a JPEG close to its colours', () => {
    const image = decodeImage(rgbJpeg(16, 8, [200, 100, 50]));
    expect(image).toMatchObject({ width: 16, height: 8, channels: 3 });
    for (const [i, want] of [200, 100, 50].entries()) {
      expect(Math.abs(image.data[i] - want)).toBeLessThan(6);
    }
  });

  it('refuses a PNG that claims 100000×100000 pixels before allocating it', () => {
    expect(() => decodeImage(hugePngHeader())).toThrow(/PNG too large.*100000×100000/);
  });

  it('reads the size from the JPEG frame header', () => {
    expect(readJpegHeader(rgbJpeg(24, 10, [0, 0, 0]))).toEqual({ width: 24, height: 10 });
  });

  it('refuses a JPEG whose frame header claims a huge size', () => {
    const bytes = Buffer.from(rgbJpeg(8, 8, [0, 0, 0]));
    const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
    bytes.writeUInt16BE(60000, sof + 5);
    bytes.writeUInt16BE(60000, sof + 7);
    expect(() => decodeImage(bytes)).toThrow(/JPEG too large.*60000×60000/);
  });

  it('reports corrupt PNG and JPEG data as a decode error', () => {
    const png = grayPng(8, 8, (x) => x);
    const badCrc = Buffer.from(png);
    badCrc[40] ^= 0xff;
    expect(() => decodeImage(badCrc)).toThrow(ImageDecodeError);
    expect(() => decodeImage(png.subarray(0, png.length - 30))).toThrow(/corrupt PNG/);
    const jpg = rgbJpeg(32, 32, [10, 20, 30]);
    expect(() => decodeImage(jpg.subarray(0, jpg.length - 100))).toThrow(/corrupt JPEG/);
    expect(() => decodeImage(Buffer.from('not an image'))).toThrow(/not a PNG or JPEG/);
  });
});
