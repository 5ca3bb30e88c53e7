import { randomBytes } from 'node:crypto';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDataset, type DatasetOptions } from '../../../src/engine/data/index.js';
import { InputError } from '../../../src/engine/input-error.js';
import { collect, idxPair, makeTempDir, writeFileDeep, writeIdxPair } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const tiny: DatasetOptions = {
  input: { kind: 'image', height: 2, width: 3, channels: 1 },
  classNames: null,
  numClasses: 10,
  scaling: '0-255',
};

async function inputError(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof InputError))
    throw new Error(`expected an InputError, got ${String(error)}`);
  return error;
}

describe('IDX test sets', () => {
  for (const gzip of [false, true]) {
    it(`reads a ${gzip ? 'gzipped' : 'raw'} pair given by its folder, images file or labels file`, async () => {
      const { images, labels } = await writeIdxPair(
        dir,
        't10k',
        idxPair([3, 1, 4, 1, 5], 2, 3),
        gzip,
      );
      for (const path of [dir, images, labels]) {
        const ds = await openDataset(path, tiny);
        expect(ds.info).toMatchObject({
          path: images,
          labelsPath: labels,
          format: 'idx',
          sampleCount: 5,
          countsPerClass: [0, 2, 0, 1, 1, 1, 0, 0, 0, 0],
          skipped: [],
        });
      }
      const batches = await collect((await openDataset(images, tiny)).batches(2));
      expect(batches.map((b) => b.count)).toEqual([2, 2, 1]);
      expect(batches.flatMap((b) => b.ids)).toEqual(['idx:0', 'idx:1', 'idx:2', 'idx:3', 'idx:4']);
      expect(batches.flatMap((b) => [...b.labels])).toEqual([3, 1, 4, 1, 5]);
      // Image i, pixel o is (i * 7 + o) % 256.
      expect([...batches[1].x.subarray(6, 12)]).toEqual([21, 22, 23, 24, 25, 26]);
    });
  }

  it('prefers the test pair over the train pair in a folder', async () => {
    await writeIdxPair(dir, 'train', idxPair([1, 1], 2, 3), true);
    const test = await writeIdxPair(dir, 't10k', idxPair([2], 2, 3), true);
    const ds = await openDataset(dir, tiny);
    expect(ds.info.path).toBe(test.images);
    expect(ds.info.sampleCount).toBe(1);
  });

  it('resizes and converts channels like image folders, and flattens for a vector model', async () => {
    const { images } = await writeIdxPair(
      dir,
      'x',
      idxPair([0], 2, 2, (_, o) => [0, 100, 200, 60][o]),
      false,
    );
    const rgb = await openDataset(images, {
      ...tiny,
      input: { kind: 'image', height: 1, width: 1, channels: 3 },
    });
    expect([...(await collect(rgb.batches(1)))[0].x]).toEqual([90, 90, 90]);
    const flat = await openDataset(images, {
      ...tiny,
      input: { kind: 'features', size: 4 },
      scaling: undefined,
    });
    expect([...(await collect(flat.batches(1)))[0].x]).toEqual(
      [0, 100, 200, 60].map((v) => Math.fround(v / 255)),
    );
    const wrong = await inputError(
      openDataset(images, { ...tiny, input: { kind: 'features', size: 5 } }),
    );
    expect(wrong.problem).toBe('the model takes 5 features, but the images are 2×2 (4 pixels)');
  });

  it('reports truncated files with what the header declares and what the file holds', async () => {
    const content = idxPair([1, 2, 3, 4, 5], 2, 3);
    const truncated = {
      images: content.images.subarray(0, 16 + 3 * 6 + 2),
      labels: content.labels,
    };
    const raw = await writeIdxPair(join(dir, 'raw'), 'a', truncated, false);
    expect((await inputError(openDataset(raw.images, tiny))).message).toBe(
      `${raw.images}: is truncated: its header declares 5 images but the file holds 3`,
    );
    const gz = await writeIdxPair(join(dir, 'gz'), 'a', truncated, true);
    expect((await inputError(openDataset(gz.images, tiny))).problem).toBe(
      'is truncated: its header declares 5 images but the file holds 3',
    );
    const shortLabels = { images: content.images, labels: content.labels.subarray(0, 10) };
    const labels = await writeIdxPair(join(dir, 'labels'), 'a', shortLabels, true);
    expect((await inputError(openDataset(labels.images, tiny))).problem).toBe(
      'is truncated: its header declares 5 labels but the file holds 2',
    );
    const longer = {
      images: Buffer.concat([content.images, Buffer.alloc(6)]),
      labels: content.labels,
    };
    const extra = await writeIdxPair(join(dir, 'extra'), 'a', longer, true);
    expect((await inputError(openDataset(extra.images, tiny))).problem).toMatch(
      /longer than its header says/,
    );
  });

  it('fails fast on a small file whose header claims a billion images', async () => {
    const gray28 = {
      ...tiny,
      input: { kind: 'image', height: 28, width: 28, channels: 1 },
    } as const;
    const raw = idxPair([1, 2], 28, 28);
    raw.images.writeUInt32BE(1e9, 4);
    const rawPair = await writeIdxPair(join(dir, 'raw'), 'huge', raw, false);
    expect((await inputError(openDataset(rawPair.images, gray28))).message).toBe(
      `${rawPair.images}: is truncated: its header declares 1000000000 images but the file holds 2`,
    );
    const gz = idxPair([1, 2], 28, 28);
    gz.images.writeUInt32BE(1e9, 4);
    gz.labels.writeUInt32BE(1e9, 4);
    const gzPair = await writeIdxPair(join(dir, 'gz'), 'huge', gz, true);
    expect((await inputError(openDataset(gzPair.images, gray28))).problem).toBe(
      'is truncated: its header declares 1000000000 images but the file holds 2',
    );
  });

  it('checks magic numbers and that images and labels agree in number', async () => {
    const content = idxPair([1, 2], 2, 3);
    const badMagic = Buffer.from(content.images);
    badMagic.writeUInt32BE(0x0a0b0c0d, 0);
    const bad = await writeIdxPair(
      join(dir, 'magic'),
      'a',
      { ...content, images: badMagic },
      false,
    );
    expect((await inputError(openDataset(bad.images, tiny))).problem).toBe(
      'is not an IDX file (bad magic number 0x0a0b0c0d)',
    );
    const swapped = await writeIdxPair(
      join(dir, 'swap'),
      'a',
      { images: content.labels, labels: content.labels },
      false,
    );
    expect((await inputError(openDataset(swapped.images, tiny))).problem).toBe(
      'is not an IDX images file (bad magic number 0x00000801, expected 0x00000803)',
    );
    const floats = Buffer.from(content.images);
    floats[2] = 0x0d;
    const typed = await writeIdxPair(
      join(dir, 'float'),
      'a',
      { ...content, images: floats },
      false,
    );
    expect((await inputError(openDataset(typed.images, tiny))).problem).toMatch(
      /type 0xd; only unsigned bytes/,
    );

    const three = idxPair([1, 2, 3], 2, 3);
    const mismatch = await writeIdxPair(
      join(dir, 'count'),
      'a',
      { images: content.images, labels: three.labels },
      true,
    );
    expect((await inputError(openDataset(mismatch.images, tiny))).problem).toBe(
      `count mismatch: its header declares 2 images but ${mismatch.labels} declares 3 labels`,
    );
  });

  it('names labels the model does not have, and class-count mismatches', async () => {
    const ten = await writeIdxPair(join(dir, 'ten'), 'a', idxPair([0, 1, 10], 2, 3), true);
    const error = await inputError(openDataset(ten.images, tiny));
    expect(error.file).toBe(ten.labels);
    expect(error.problem).toBe(
      `sample 2: label "10" is not one of the model's classes (the model has 10 classes, numbered 0 to 9)`,
    );
    const labels = Array.from({ length: 12 }, (_, i) => i);
    const twelve = await writeIdxPair(join(dir, 'twelve'), 'a', idxPair(labels, 2, 3), false);
    expect((await inputError(openDataset(twelve.images, tiny))).problem).toBe(
      'labels "10", "11" are not among the model\'s classes (the model has 10 classes, numbered 0 to 9), while the other 10 are',
    );
  });

  it('refuses a missing partner file and an empty set', async () => {
    const { images, labels } = await writeIdxPair(dir, 'a', idxPair([1], 2, 3), false);
    await writeFile(labels, '');
    const empty = await writeIdxPair(join(dir, 'empty'), 'a', idxPair([], 2, 3), false);
    expect((await inputError(openDataset(empty.images, tiny))).problem).toMatch(/empty/);
    const lone = await writeFileDeep(
      join(dir, 'lone', 'b-images-idx3-ubyte'),
      idxPair([1], 2, 3).images,
    );
    expect((await inputError(openDataset(lone, tiny))).problem).toMatch(
      /has no labels file next to it \(expected b-labels-idx1-ubyte or b-labels-idx1-ubyte\.gz\)/,
    );
    expect((await inputError(openDataset(images, tiny))).problem).toMatch(
      /too short to be an IDX file/,
    );
  });

  it('fingerprints the content: the same for gz and raw, different for one changed byte', async () => {
    const content = idxPair([1, 2, 3], 2, 3);
    const raw = await writeIdxPair(join(dir, 'raw'), 'a', content, false);
    const gz = await writeIdxPair(join(dir, 'gz'), 'a', content, true);
    const changed = { images: Buffer.from(content.images), labels: content.labels };
    changed.images[20] ^= 1;
    const other = await writeIdxPair(join(dir, 'other'), 'a', changed, true);
    const [a, b, c] = await Promise.all(
      [raw, gz, other].map(async (p) => (await openDataset(p.images, tiny)).info.fingerprint),
    );
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('reads batches incrementally: the file is not read ahead of the batches', async () => {
    // 20,000 images of 28×28 (15.7 MB). After the first batch the file is cut to 1 MB: a loader
    // that had already read (or decoded) everything would not notice.
    const labels = Array.from({ length: 20_000 }, (_, i) => i % 10);
    const noise = randomBytes(20_000 * 784); // incompressible, so that the .gz is big too
    const content = idxPair(labels, 28, 28, (i, o) => noise[i * 784 + o]);
    for (const gzip of [false, true]) {
      const pair = await writeIdxPair(join(dir, String(gzip)), 'big', content, gzip);
      const ds = await openDataset(pair.images, {
        ...tiny,
        input: { kind: 'image', height: 28, width: 28, channels: 1 },
      });
      const iterator = ds.batches(64);
      const first = await iterator.next();
      expect(first.value?.ids[63]).toBe('idx:63');
      await truncate(pair.images, 1_000_000);
      let seen = 64;
      const error = await (async () => {
        for (;;) {
          const next = await iterator.next();
          if (next.done) return null;
          seen += next.value.count;
        }
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).problem).toMatch(
        /changed since the test set was opened|truncated gzip/,
      );
      expect(seen).toBeLessThan(2_000);
    }
  });

  it('stops when the signal is aborted', async () => {
    const { images } = await writeIdxPair(dir, 'a', idxPair(new Array(100).fill(1), 2, 3), true);
    const ds = await openDataset(images, tiny);
    const controller = new AbortController();
    const iterator = ds.batches(10, controller.signal);
    await iterator.next();
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect((await iterator.next()).done).toBe(true);
  });

  it('makes a thumbnail of one sample by id', async () => {
    const { images } = await writeIdxPair(dir, 'a', idxPair([1, 2, 3], 2, 3), true);
    const ds = await openDataset(images, tiny);
    const png = PNG.sync.read(Buffer.from(await ds.thumbnail('idx:2', 30)));
    expect([png.width, png.height, png.color]).toEqual([30, 20, false]);
    expect(png.data[0]).toBe(14); // image 2, pixel 0
    await expect(ds.thumbnail('idx:3')).rejects.toThrow(/has no sample "idx:3"/);
  });
});
