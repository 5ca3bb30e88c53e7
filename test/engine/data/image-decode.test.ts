import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  decodeImage,
  ImageDecodeError,
  readImageHeader,
  sniffImageType,
  type DecodeTarget,
} from '../../../src/engine/data/image-decode.js';
import { encodePng, grayPng, hugePngHeader, rgbaPng, rgbJpeg, rgbPng } from './fixtures.js';

/** Real photographs (scikit-image's sample images, see test/fixtures/photos/README.md). */
const PHOTOS = join(import.meta.dirname, '../../fixtures/photos');
const REFERENCE = join(PHOTOS, 'reference');

function meanAbsDiff(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  expect(a.length).toBe(b.length);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

const rgb = (size: number, crop: 'center' | 'none' = 'none'): DecodeTarget => ({
  width: size,
  height: size,
  channels: 3,
  crop,
});

describe('sniffImageType', () => {
  it('tells every image type by its content, not its name', async () => {
    const photo = sharp(join(PHOTOS, 'chelsea.jpg')).resize(16);
    expect(sniffImageType(grayPng(2, 2, () => 0))).toBe('png');
    expect(sniffImageType(rgbJpeg(8, 8, [1, 2, 3]))).toBe('jpeg');
    expect(sniffImageType(await photo.clone().gif().toBuffer())).toBe('gif');
    expect(sniffImageType(await photo.clone().webp().toBuffer())).toBe('webp');
    expect(sniffImageType(await photo.clone().tiff().toBuffer())).toBe('tiff');
    expect(sniffImageType(await photo.clone().avif().toBuffer())).toBe('avif');
    expect(sniffImageType(Buffer.from('BM\x46\0\0\0\0\0\0\0\x36\0', 'latin1'))).toBe('bmp');
    // AVIF under the generic HEIF brand: named by the container, read by libvips all the same.
    const mif1 = Buffer.from(await photo.clone().avif().toBuffer());
    mif1.write('mif1', 8, 'latin1');
    expect(sniffImageType(mif1)).toBe('heif');
    expect(await readImageHeader(mif1)).toEqual({ type: 'heif', width: 16, height: 11 });
    expect(sniffImageType(Buffer.from('hello, I am text'))).toBeNull();
    expect(sniffImageType(new Uint8Array(0))).toBeNull();
  });
});

describe('readImageHeader', () => {
  it('reads the size as displayed, after the EXIF orientation', async () => {
    const upright = await readFile(join(PHOTOS, 'chelsea.jpg'));
    expect(await readImageHeader(upright)).toEqual({ type: 'jpeg', width: 451, height: 300 });
    const turned = await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).toBuffer();
    expect(await readImageHeader(turned)).toEqual({ type: 'jpeg', width: 451, height: 300 });
  });

  it('refuses huge declared sizes before decoding anything', async () => {
    await expect(readImageHeader(hugePngHeader())).rejects.toThrow(/PNG too large.*100000×100000/);
    const jpeg = Buffer.from(rgbJpeg(8, 8, [0, 0, 0]));
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(60000, sof + 5);
    jpeg.writeUInt16BE(60000, sof + 7);
    await expect(readImageHeader(jpeg)).rejects.toThrow(/JPEG too large.*60000×60000/);
  });

  it('says plainly which files are not images or not readable ones', async () => {
    await expect(readImageHeader(Buffer.from('not an image'))).rejects.toThrow(
      /not an image this app reads/,
    );
    const bmp = Buffer.from(
      '424d46000000000000003600000028000000020000000200000001001800000000001000000000000000000000000000000000000000ff0000ff000000ff0000ff0000000000',
      'hex',
    );
    await expect(readImageHeader(bmp)).rejects.toThrow(/a BMP image, .*convert it to PNG/);
    await expect(readImageHeader(grayPng(8, 8, () => 1).subarray(0, 20))).rejects.toThrow(
      ImageDecodeError,
    );
  });
});

describe('decodeImage', () => {
  it('keeps gray pixels exact and brings them to RGB by replication', async () => {
    const png = grayPng(3, 2, (x, y) => x * 10 + y * 100);
    const gray = await decodeImage(png, { width: 3, height: 2, channels: 1, crop: 'none' });
    expect(gray).toMatchObject({ width: 3, height: 2, channels: 1 });
    expect([...gray.data]).toEqual([0, 10, 20, 100, 110, 120]);
    const asRgb = await decodeImage(png, { width: 3, height: 2, channels: 3, crop: 'none' });
    expect([...asRgb.data.subarray(9, 12)]).toEqual([100, 100, 100]);
  });

  it('gives gray models the BT.601 luminance of colour images', async () => {
    const red = await decodeImage(rgbPng(4, 4, [255, 0, 0]), {
      ...rgb(4),
      channels: 1,
    });
    expect(red.data[0]).toBe(76); // round(0.299 * 255)
  });

  it('drops alpha for RGB models and keeps it for RGBA models', async () => {
    const png = rgbaPng(2, 2, [200, 100, 50, 0]);
    expect([...(await decodeImage(png, rgb(2))).data.subarray(0, 3)]).toEqual([200, 100, 50]);
    const rgba = await decodeImage(png, { ...rgb(2), channels: 4 });
    expect([...rgba.data.subarray(0, 4)]).toEqual([200, 100, 50, 0]);
    const opaque = await decodeImage(rgbPng(2, 2, [1, 2, 3]), { ...rgb(2), channels: 4 });
    expect([...opaque.data.subarray(0, 4)]).toEqual([1, 2, 3, 255]);
  });

  it('reads 16-bit, palette and interlaced PNGs, and not PNG bombs', async () => {
    const samples = Uint8Array.from([0xff, 0xff, 0x00, 0x00, 0x80, 0x80, 0x10, 0x10]);
    const deep = encodePng({ width: 2, height: 2, colorType: 0, bitDepth: 16, samples });
    const gray2 = { width: 2, height: 2, channels: 1, crop: 'none' } as const;
    expect([...(await decodeImage(deep, gray2)).data]).toEqual([255, 0, 128, 16]);
    const palette = encodePng({
      width: 2,
      height: 1,
      colorType: 3,
      samples: Uint8Array.from([1, 0]),
      palette: [
        [255, 0, 0],
        [0, 0, 255],
      ],
    });
    const wide = { width: 2, height: 1, channels: 3, crop: 'none' } as const;
    expect([...(await decodeImage(palette, wide)).data]).toEqual([0, 0, 255, 255, 0, 0]);
    const one = {
      width: 1,
      height: 1,
      colorType: 0,
      samples: Uint8Array.from([77]),
      interlaced: true,
    } as const;
    const target = { width: 1, height: 1, channels: 1, crop: 'none' } as const;
    expect([...(await decodeImage(encodePng(one), target)).data]).toEqual([77]);
    // 50 MB of zeros behind a 1×1 header: decoded or refused, never inflated whole.
    const bomb = encodePng({ ...one, idat: deflateSync(Buffer.alloc(50_000_000)) });
    const outcome = await decodeImage(bomb, target).then(
      (image) => image.data.length,
      (error: Error) => error.name,
    );
    expect([1, 'ImageDecodeError']).toContain(outcome);
  });

  it('reports corrupt and truncated files as decode errors, on one plain line', async () => {
    const png = grayPng(8, 8, (x) => x);
    const badCrc = Buffer.from(png);
    badCrc[40] ^= 0xff;
    await expect(decodeImage(badCrc, rgb(4))).rejects.toThrow(/^corrupt PNG: /);
    const jpg = await readFile(join(PHOTOS, 'coffee.jpg'));
    const error = await decodeImage(jpg.subarray(0, jpg.length - 5000), rgb(8)).catch((e) => e);
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error.message).toMatch(/^corrupt JPEG: /);
    expect(error.message).not.toMatch(/\n/);
    expect(error.message).toMatch(/^[\x20-\x7e×…]+$/);
  });

  it('refuses to decode more pixels than allowed', async () => {
    await expect(decodeImage(hugePngHeader(), rgb(4))).rejects.toThrow(ImageDecodeError);
  });
});

describe('the preprocessing contract, on real photographs', () => {
  const photos = async () => (await readdir(PHOTOS)).filter((f) => f.endsWith('.jpg'));

  it('matches PIL (bilinear, shorter side scaled then the centre square) to about one level', async () => {
    const names = await photos();
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) {
      const stem = name.replace(/\.jpg$/, '');
      const load = (kind: string, gray = false) =>
        sharp(join(REFERENCE, `${stem}.${kind}.png`))
          .toColourspace(gray ? 'b-w' : 'srgb')
          .raw()
          .toBuffer();
      const file = join(PHOTOS, name);
      const centre = await decodeImage(file, rgb(64, 'center'));
      const gray = await decodeImage(file, { ...rgb(64, 'center'), channels: 1 });
      const fill = await decodeImage(file, rgb(64, 'none'));
      for (const [ours, reference] of [
        [centre.data, await load('center-64')],
        [gray.data, await load('center-64.gray', true)],
        [fill.data, await load('fill-64')],
      ] as const) {
        const { mean, max } = meanAbsDiff(ours, reference);
        // JPEG decoders (mozjpeg here, libjpeg-turbo in PIL) and filter details differ slightly.
        expect(mean, `${name}: mean |Δ|`).toBeLessThan(1.5);
        expect(max, `${name}: max |Δ|`).toBeLessThan(64);
      }
    }
  });

  it('turns photos by their EXIF orientation before cropping', async () => {
    const file = join(PHOTOS, 'rocket.jpg');
    // Stored turned a quarter to the left, with the tag that turns it back for display.
    const stored = await sharp(file)
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    const upright = await decodeImage(file, rgb(48, 'center'));
    const turned = await decodeImage(stored, rgb(48, 'center'));
    expect(meanAbsDiff(turned.data, upright.data).mean).toBeLessThan(2);
    // Without the tag, the crop sees another picture.
    const untagged = await sharp(file).rotate(270).jpeg({ quality: 95 }).toBuffer();
    const wrong = await decodeImage(untagged, rgb(48, 'center'));
    expect(meanAbsDiff(wrong.data, upright.data).mean).toBeGreaterThan(10);
  });

  it('reads GIF (first frame), WebP, TIFF and AVIF like the JPEG they were made from', async () => {
    const file = join(PHOTOS, 'astronaut.jpg');
    const want = (await decodeImage(file, rgb(32, 'center'))).data;
    const source = sharp(file);
    for (const [format, bytes, tolerance] of [
      ['gif', await source.clone().gif().toBuffer(), 8],
      ['webp', await source.clone().webp({ quality: 90 }).toBuffer(), 3],
      ['tiff', await source.clone().tiff().toBuffer(), 1],
      ['avif', await source.clone().avif({ quality: 80 }).toBuffer(), 4],
    ] as const) {
      const header = await readImageHeader(bytes);
      expect(header).toEqual({ type: format, width: 512, height: 512 });
      const got = await decodeImage(bytes, rgb(32, 'center'));
      expect(meanAbsDiff(got.data, want).mean, format).toBeLessThan(tolerance);
    }
    // An animated GIF: the first frame is what counts.
    const first = await source.clone().png().toBuffer();
    const second = await sharp(file).negate().png().toBuffer();
    const animated = await sharp([first, second], { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(animated).metadata()).pages).toBe(2);
    const got = await decodeImage(animated, rgb(32, 'center'));
    expect(meanAbsDiff(got.data, want).mean).toBeLessThan(8);
  });
});
