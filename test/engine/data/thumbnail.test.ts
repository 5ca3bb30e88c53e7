import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeThumbnail } from '../../../src/engine/data/thumbnail.js';

const PHOTOS = join(import.meta.dirname, '../../fixtures/photos');

describe('encodeThumbnail', () => {
  it('fits a photo within the size, turned by its EXIF orientation', async () => {
    const upright = await sharp(await encodeThumbnail(join(PHOTOS, 'chelsea.jpg'), 90)).metadata();
    expect([upright.format, upright.width, upright.height, upright.channels]).toEqual([
      'png',
      90,
      60,
      3,
    ]);
    const stored = await sharp(join(PHOTOS, 'chelsea.jpg'))
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const turned = await sharp(await encodeThumbnail(stored, 90)).metadata();
    expect([turned.width, turned.height]).toEqual([90, 60]);
  });

  it('keeps gray images gray and enlarges tiny ones without blurring them', async () => {
    const data = Uint8Array.from([0, 255, 255, 0]);
    const png = await encodeThumbnail({ width: 2, height: 2, channels: 1, data }, 4);
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([4, 4, 1]);
    const pixels = await sharp(png).extractChannel(0).raw().toBuffer();
    expect([...pixels.subarray(0, 4)]).toEqual([0, 0, 255, 255]);
  });

  it('shows transparency over white', async () => {
    const data = Uint8Array.from([10, 20, 30, 0]);
    const png = await encodeThumbnail({ width: 1, height: 1, channels: 4, data }, 1);
    expect([...(await sharp(png).raw().toBuffer())]).toEqual([255, 255, 255]);
  });
});
