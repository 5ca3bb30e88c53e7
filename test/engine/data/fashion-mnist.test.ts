import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectDatasetFormat, openDataset } from '../../../src/engine/data/index.js';
import { collect, GRAY_28, makeTempDir } from './fixtures.js';

const DIR = '/usr/share/datasets/fashion-mnist';
const T10K_IMAGES = join(DIR, 't10k-images-idx3-ubyte.gz');
const options = { input: GRAY_28, classNames: null, numClasses: 10 };

describe('the real Fashion-MNIST files', () => {
  it('opens the test pair from the folder, with 1000 samples per class', async () => {
    expect(await detectDatasetFormat(DIR)).toBe('idx');
    const ds = await openDataset(DIR, options);
    expect(ds.info).toMatchObject({
      path: T10K_IMAGES,
      labelsPath: join(DIR, 't10k-labels-idx1-ubyte.gz'),
      format: 'idx',
      sampleCount: 10000,
      countsPerClass: new Array(10).fill(1000),
      skipped: [],
    });
    // The folder holds the training pair too: the app says which pair it used and what it left out.
    expect(ds.info.notes).toEqual([
      'Used the test pair, t10k-images-idx3-ubyte.gz with t10k-labels-idx1-ubyte.gz; left out train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz (training).',
    ]);
  });

  it('reads the first batch as the raw bytes scaled to [0, 1], labels 9, 2, 1, 1, 6', async () => {
    const ds = await openDataset(T10K_IMAGES, options);
    const first = await ds.batches(32).next();
    const batch = first.value!;
    expect(batch.count).toBe(32);
    expect([...batch.labels.subarray(0, 5)]).toEqual([9, 2, 1, 1, 6]);
    expect(batch.ids.slice(0, 2)).toEqual(['idx:0', 'idx:1']);
    const bytes = gunzipSync(readFileSync(T10K_IMAGES)).subarray(16, 16 + 32 * 784);
    expect(batch.x).toEqual(Float32Array.from(bytes, (v) => v / 255));
  });

  it('names the names-model classes by index for IDX labels', async () => {
    const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat'];
    await expect(
      openDataset(T10K_IMAGES, { ...options, classNames: names, numClasses: 5 }),
    ).rejects.toThrow('labels "5", "6", "7", "8", "9" are not among the model\'s classes');
  });

  it('keeps memory bounded while iterating all 60,000 training images', async () => {
    const ds = await openDataset(join(DIR, 'train-labels-idx1-ubyte.gz'), {
      ...options,
      input: { kind: 'features', size: 784 },
    });
    expect(ds.info.sampleCount).toBe(60000);
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const base = used();
    let peak = 0;
    let count = 0;
    for await (const batch of ds.batches(256)) {
      count += batch.count;
      peak = Math.max(peak, used() - base);
    }
    expect(count).toBe(60000);
    // Holding every sample would take 60000 × 784 × 4 bytes = 188 MB.
    expect(peak).toBeLessThan(80 * 2 ** 20);
  });

  it('gives the model the same inputs from PNGs written from the IDX file as from the IDX file', async () => {
    const n = 1000;
    const bytes = gunzipSync(readFileSync(T10K_IMAGES)).subarray(16, 16 + n * 784);
    const labels = gunzipSync(readFileSync(join(DIR, 't10k-labels-idx1-ubyte.gz'))).subarray(8);
    const { dir, cleanup } = await makeTempDir();
    try {
      for (let k = 0; k < 10; k++) await mkdir(join(dir, String(k)));
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = `${labels[i]}/${String(i).padStart(5, '0')}.png`;
        ids.push(id);
        const raw = { width: 28, height: 28, channels: 1 } as const;
        await sharp(bytes.subarray(i * 784, (i + 1) * 784), { raw })
          .png()
          .toFile(join(dir, id));
      }
      const folder = await openDataset(dir, options);
      expect(folder.info.sampleCount).toBe(n);
      const [batch] = await collect(folder.batches(n));
      // The folder is read in path order; put the IDX inputs in that order.
      const order = batch.ids.map((id) => ids.indexOf(id));
      const want = new Float32Array(n * 784);
      order.forEach((i, j) =>
        want.set(
          Float32Array.from(bytes.subarray(i * 784, (i + 1) * 784), (v) => v / 255),
          j * 784,
        ),
      );
      expect(batch.x).toEqual(want);
      expect([...batch.labels]).toEqual(order.map((i) => labels[i]));
    } finally {
      await cleanup();
    }
  });
});
