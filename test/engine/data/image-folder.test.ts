import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDataset } from '../../../src/engine/data/index.js';
import { InputError } from '../../../src/engine/input-error.js';
import {
  collect,
  grayPng,
  hugePngHeader,
  makeTempDir,
  rgbaPng,
  rgbJpeg,
  rgbPng,
  writeFileDeep,
} from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const gray4 = { kind: 'image', height: 4, width: 4, channels: 1 } as const;
const rgb4 = { kind: 'image', height: 4, width: 4, channels: 3 } as const;

/** cat: gray PNG, RGB PNG, RGBA PNG; dog: JPEG and problem files. */
async function writeMixedFolder(root: string): Promise<void> {
  await writeFileDeep(
    join(root, 'cat/gray.png'),
    grayPng(8, 8, () => 51),
  );
  await writeFileDeep(join(root, 'cat/rgb.png'), rgbPng(4, 4, [255, 0, 0]));
  await writeFileDeep(join(root, 'cat/rgba.png'), rgbaPng(6, 6, [0, 0, 0, 0]));
  await writeFileDeep(join(root, 'dog/photo.jpg'), rgbJpeg(16, 16, [0, 0, 255]));
  await writeFileDeep(join(root, 'dog/corrupt.png'), grayPng(8, 8, () => 1).subarray(0, 50));
  await writeFileDeep(join(root, 'dog/text.png'), 'this is not an image');
  await writeFileDeep(join(root, 'dog/huge.png'), hugePngHeader());
  await writeFileDeep(join(root, 'dog/notes.txt'), 'ignored');
  await writeFileDeep(join(root, 'dog/.hidden.png'), 'ignored');
  await writeFileDeep(join(root, '.git/x.png'), rgbPng(4, 4, [0, 0, 0]));
}

describe('image folders', () => {
  it('reads PNG and JPEG in every colour type, skipping bad files with their reason', async () => {
    await writeMixedFolder(dir);
    const ds = await openDataset(dir, { input: rgb4, classNames: ['dog', 'cat'], numClasses: 2 });
    expect(ds.info).toMatchObject({
      path: dir,
      format: 'image-folder',
      sampleCount: 5,
      countsPerClass: [2, 3],
    });
    // Opening checks headers; the corrupt PNG's header is intact, its pixel data is not.
    const skippedAtOpen = ds.info.skipped.map((s) => s.file);
    expect(skippedAtOpen.sort()).toEqual(['dog/huge.png', 'dog/text.png']);

    const [batch, ...rest] = await collect(ds.batches(10));
    expect(rest).toEqual([]);
    expect(ds.info).toMatchObject({ sampleCount: 4, countsPerClass: [1, 3] });
    const skipped = Object.fromEntries(ds.info.skipped.map((s) => [s.file, s.reason]));
    expect(Object.keys(skipped).sort()).toEqual([
      'dog/corrupt.png',
      'dog/huge.png',
      'dog/text.png',
    ]);
    expect(skipped['dog/corrupt.png']).toMatch(/corrupt PNG/);
    expect(skipped['dog/text.png']).toMatch(/not an image this app reads/);
    expect(skipped['dog/huge.png']).toMatch(/too large.*100000×100000/);
    expect(batch.count).toBe(4);
    expect(batch.ids).toEqual(['cat/gray.png', 'cat/rgb.png', 'cat/rgba.png', 'dog/photo.jpg']);
    expect([...batch.labels]).toEqual([1, 1, 1, 0]);
    expect(batch.x.length).toBe(4 * 4 * 4 * 3);
    const pixel = (i: number) => [...batch.x.subarray(i * 48, i * 48 + 3)];
    expect(pixel(0)).toEqual([0.2, 0.2, 0.2].map(Math.fround)); // gray 51 replicated
    expect(pixel(1)).toEqual([1, 0, 0]);
    expect(pixel(2)).toEqual([0, 0, 0]); // alpha dropped, as PIL's convert('RGB')
    const [r, g, b] = pixel(3);
    expect(r).toBeLessThan(0.05);
    expect(g).toBeLessThan(0.05);
    expect(b).toBeGreaterThan(0.95);
  });

  it('converts colour to gray by luminance for a gray model', async () => {
    await writeFileDeep(join(dir, '0/red.png'), rgbPng(4, 4, [255, 0, 0]));
    const ds = await openDataset(dir, {
      input: gray4,
      classNames: null,
      numClasses: 1,
      scaling: '0-255',
    });
    const [batch] = await collect(ds.batches(1));
    expect(batch.x.length).toBe(16);
    expect(batch.x[0]).toBe(76);
  });

  it('maps integer folder names by index and other names in sorted order', async () => {
    for (const name of ['2', '0'])
      await writeFileDeep(
        join(dir, 'a', name, 'x.png'),
        grayPng(2, 2, () => 0),
      );
    const byIndex = await openDataset(join(dir, 'a'), {
      input: gray4,
      classNames: null,
      numClasses: 3,
    });
    expect(byIndex.info.countsPerClass).toEqual([1, 0, 1]);
    for (const name of ['zebra', 'Ant', 'bee', 'bee/sub']) {
      await writeFileDeep(
        join(dir, 'b', name, 'x.png'),
        grayPng(2, 2, () => 0),
      );
    }
    const sorted = await openDataset(join(dir, 'b'), {
      input: gray4,
      classNames: null,
      numClasses: 3,
    });
    expect(sorted.info.countsPerClass).toEqual([1, 2, 1]);
    const [batch] = await collect(sorted.batches(8));
    expect(batch.ids).toEqual(['Ant/x.png', 'bee/sub/x.png', 'bee/x.png', 'zebra/x.png']);
    expect([...batch.labels]).toEqual([0, 1, 1, 2]);
  });

  it('names a folder the model has no class for', async () => {
    await writeFileDeep(
      join(dir, 'cat/x.png'),
      grayPng(2, 2, () => 0),
    );
    await writeFileDeep(
      join(dir, 'horse/x.png'),
      grayPng(2, 2, () => 0),
    );
    const error = await openDataset(dir, {
      input: gray4,
      classNames: ['cat', 'dog'],
      numClasses: 2,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error.file).toBe(join(dir, 'horse'));
    expect(error.problem).toMatch(/label "horse" is not one of the model's classes .*"cat", "dog"/);
  });

  it('reports a class-count mismatch', async () => {
    for (const name of ['a', 'b', 'c'])
      await writeFileDeep(
        join(dir, name, 'x.png'),
        grayPng(2, 2, () => 0),
      );
    await expect(
      openDataset(dir, { input: gray4, classNames: null, numClasses: 2 }),
    ).rejects.toThrow('class-count mismatch: the test set has 3 classes, the model 2');
  });

  it('refuses folders without readable images', async () => {
    await expect(
      openDataset(dir, { input: gray4, classNames: null, numClasses: 2 }),
    ).rejects.toThrow(/holds no images/);
    await writeFileDeep(
      join(dir, 'loose.png'),
      grayPng(2, 2, () => 0),
    );
    await expect(
      openDataset(dir, { input: gray4, classNames: null, numClasses: 2 }),
    ).rejects.toThrow(/no class subfolders/);
    await writeFileDeep(join(dir, '0/bad.png'), 'text');
    await expect(
      openDataset(dir, { input: gray4, classNames: null, numClasses: 2 }),
    ).rejects.toThrow(
      /has no readable images: all 1 were skipped \(0\/bad\.png: not an image this app reads/,
    );
  });

  it('has a fingerprint independent of listing order and sensitive to every byte', async () => {
    const files: [string, Buffer][] = [
      ['b/2.png', grayPng(3, 3, () => 2)],
      ['a/1.png', grayPng(3, 3, () => 1)],
      ['b/1.jpg', rgbJpeg(8, 8, [9, 9, 9])],
      ['a/3.png', grayPng(3, 3, () => 3)],
    ];
    for (const [name, bytes] of files) await writeFileDeep(join(dir, 'one', name), bytes);
    for (const [name, bytes] of [...files].reverse())
      await writeFileDeep(join(dir, 'two', name), bytes);
    const options = { input: gray4, classNames: ['a', 'b'], numClasses: 2 };
    const one = await openDataset(join(dir, 'one'), options);
    const two = await openDataset(join(dir, 'two'), options);
    expect(one.info.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(two.info.fingerprint).toBe(one.info.fingerprint);

    // Irrelevant files do not count; a changed byte does.
    await writeFile(join(dir, 'two/a/readme.txt'), 'hello');
    expect((await openDataset(join(dir, 'two'), options)).info.fingerprint).toBe(
      one.info.fingerprint,
    );
    const changed = Buffer.from(files[1][1]);
    changed[changed.length - 20] ^= 1;
    await writeFile(join(dir, 'two/a/1.png'), changed);
    const three = await openDataset(join(dir, 'two'), options);
    expect(three.info.fingerprint).not.toBe(one.info.fingerprint);
  });

  it('centre-crops before resizing when asked', async () => {
    // 6×2: white outside the centre 2×2 black square.
    await writeFileDeep(
      join(dir, '0/wide.png'),
      grayPng(6, 2, (x) => (x === 2 || x === 3 ? 0 : 255)),
    );
    const input = { kind: 'image', height: 2, width: 2, channels: 1 } as const;
    const cropped = await openDataset(dir, {
      input,
      classNames: null,
      numClasses: 1,
      crop: 'center',
    });
    expect([...(await collect(cropped.batches(1)))[0].x]).toEqual([0, 0, 0, 0]);
    const squeezed = await openDataset(dir, { input, classNames: null, numClasses: 1 });
    // Each output pixel averages three source pixels, one of them black.
    expect([...(await collect(squeezed.batches(1)))[0].x]).toEqual(
      new Array(4).fill(Math.fround(2 / 3)),
    );
  });

  it('flattens images for a model that takes a flat vector', async () => {
    await writeFileDeep(
      join(dir, '0/a.png'),
      grayPng(8, 8, () => 255),
    );
    const ds = await openDataset(dir, {
      input: { kind: 'features', size: 16 },
      classNames: null,
      numClasses: 1,
    });
    const [batch] = await collect(ds.batches(4));
    expect([...batch.x]).toEqual(new Array(16).fill(1));
    await expect(
      openDataset(dir, { input: { kind: 'features', size: 15 }, classNames: null, numClasses: 1 }),
    ).rejects.toThrow(/flat vector of 15 features/);
  });

  it('makes PNG thumbnails of listed samples only', async () => {
    await writeMixedFolder(dir);
    const ds = await openDataset(dir, { input: rgb4, classNames: ['cat', 'dog'], numClasses: 2 });
    const gray = PNG.sync.read(Buffer.from(await ds.thumbnail('cat/gray.png', 32)));
    expect([gray.width, gray.height, gray.color]).toEqual([32, 32, false]);
    expect(gray.data[0]).toBe(51);
    const jpg = PNG.sync.read(Buffer.from(await ds.thumbnail('dog/photo.jpg', 8)));
    expect([jpg.width, jpg.height, jpg.color]).toEqual([8, 8, true]);
    await expect(ds.thumbnail('../outside.png')).rejects.toThrow(InputError);
    await expect(ds.thumbnail('dog/text.png')).rejects.toThrow(/has no sample/);
  });

  it('stops when the signal is aborted', async () => {
    for (let i = 0; i < 6; i++)
      await writeFileDeep(
        join(dir, `0/${i}.png`),
        grayPng(4, 4, () => i),
      );
    const ds = await openDataset(dir, { input: gray4, classNames: null, numClasses: 1 });
    const controller = new AbortController();
    const batches = ds.batches(2, controller.signal);
    expect((await batches.next()).value?.ids).toEqual(['0/0.png', '0/1.png']);
    controller.abort();
    await expect(batches.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect((await batches.next()).done).toBe(true);
  });

  it('stops scanning when the open signal is aborted', async () => {
    await writeFileDeep(
      join(dir, '0/a.png'),
      grayPng(4, 4, () => 0),
    );
    const signal = AbortSignal.abort();
    await expect(
      openDataset(dir, { input: gray4, classNames: null, numClasses: 1, signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reads all of a folder in batches of the asked size', async () => {
    for (let i = 0; i < 5; i++)
      await writeFileDeep(
        join(dir, `c${i % 2}/${i}.png`),
        grayPng(4, 4, () => i * 10),
      );
    expect((await readdir(dir)).sort()).toEqual(['c0', 'c1']);
    const ds = await openDataset(dir, {
      input: gray4,
      classNames: ['c0', 'c1'],
      numClasses: 2,
      scaling: '0-255',
    });
    const batches = await collect(ds.batches(2));
    expect(batches.map((b) => b.count)).toEqual([2, 2, 1]);
    expect(batches.flatMap((b) => [...b.labels])).toEqual([0, 0, 0, 1, 1]);
    expect(batches.flatMap((b) => b.ids)).toEqual([
      'c0/0.png',
      'c0/2.png',
      'c0/4.png',
      'c1/1.png',
      'c1/3.png',
    ]);
    expect(batches[2].x[0]).toBe(30);
  });

  it('reads GIF, WebP, TIFF and AVIF photos; names BMP and HEIC it cannot read', async () => {
    const photo = sharp(join(import.meta.dirname, '../../fixtures/photos/coffee.jpg'));
    await writeFileDeep(join(dir, 'a/1.gif'), await photo.clone().gif().toBuffer());
    await writeFileDeep(join(dir, 'a/2.webp'), await photo.clone().webp().toBuffer());
    await writeFileDeep(join(dir, 'b/3.tif'), await photo.clone().tiff().toBuffer());
    await writeFileDeep(join(dir, 'b/4.avif'), await photo.clone().avif().toBuffer());
    await writeFileDeep(
      join(dir, 'b/5.bmp'),
      Buffer.from('424d460000000000000036000000280000000200000002000000010018000000', 'hex'),
    );
    const ds = await openDataset(dir, { input: rgb4, classNames: ['a', 'b'], numClasses: 2 });
    expect(ds.info.sampleCount).toBe(4);
    expect(ds.info.skipped).toEqual([
      { file: 'b/5.bmp', reason: expect.stringMatching(/BMP image.*convert it to PNG/) },
    ]);
    const [batch] = await collect(ds.batches(8));
    expect(batch.ids).toEqual(['a/1.gif', 'a/2.webp', 'b/3.tif', 'b/4.avif']);
    expect(batch.pixels?.data.length).toBe(4 * 48);
  });

  it('decodes pixels once, in the batches: a file broken past its header is skipped there', async () => {
    const jpeg = await readFile(join(import.meta.dirname, '../../fixtures/photos/chelsea.jpg'));
    await writeFileDeep(join(dir, 'a/1.jpg'), jpeg);
    await writeFileDeep(join(dir, 'a/2.jpg'), jpeg.subarray(0, jpeg.length - 4000));
    await writeFileDeep(join(dir, 'b/3.jpg'), jpeg);
    const ds = await openDataset(dir, { input: rgb4, classNames: ['a', 'b'], numClasses: 2 });
    // Opening read the header only, which is intact.
    expect(ds.info).toMatchObject({ sampleCount: 3, countsPerClass: [2, 1], skipped: [] });
    const batches = await collect(ds.batches(2));
    expect(batches.map((b) => b.ids)).toEqual([['a/1.jpg'], ['b/3.jpg']]);
    expect(batches[0].skipped).toEqual([
      { file: 'a/2.jpg', reason: expect.stringMatching(/^corrupt JPEG: .*premature end/i) },
    ]);
    expect(ds.info).toMatchObject({ sampleCount: 2, countsPerClass: [1, 1] });
    expect(ds.info.skipped.map((s) => s.file)).toEqual(['a/2.jpg']);
    // A second pass leaves it out without counting it twice.
    const again = await collect(ds.batches(8));
    expect(again[0].ids).toEqual(['a/1.jpg', 'b/3.jpg']);
    expect(ds.info.sampleCount).toBe(2);
  });

  it('reports files found and read while a folder is opened', async () => {
    for (let i = 0; i < 40; i++)
      await writeFileDeep(
        join(dir, `c${i % 2}/${i}.png`),
        grayPng(4, 4, () => i),
      );
    await writeFileDeep(join(dir, 'c0/notes.txt'), 'not an image');
    const seen: { found: number; read: number }[] = [];
    await openDataset(dir, {
      input: gray4,
      classNames: null,
      numClasses: 2,
      onProgress: (p) => seen.push(p),
    });
    expect(seen[0]).toEqual({ found: 41, read: 0 });
    expect(seen.at(-1)).toEqual({ found: 41, read: 41 });
    for (let i = 1; i < seen.length; i++)
      expect(seen[i].read).toBeGreaterThanOrEqual(seen[i - 1].read);
  });
});
