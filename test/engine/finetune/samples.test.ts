import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset, type DatasetOptions } from '../../../src/engine/data';
import { gatherRows, readAllSamples } from '../../../src/engine/finetune/samples';
import { makeTempDir } from '../data/fixtures';

const PHOTOS = path.join(import.meta.dirname, '../../fixtures/photos');
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  for (const [name, photos] of [
    ['a', ['astronaut', 'chelsea', 'coffee']],
    ['b', ['rocket', 'retina']],
  ] as const) {
    await mkdir(path.join(dir, name));
    for (const photo of photos) {
      await copyFile(path.join(PHOTOS, `${photo}.jpg`), path.join(dir, name, `${photo}.jpg`));
    }
  }
});
afterAll(() => cleanup());

describe('readAllSamples', () => {
  it('keeps a photo folder as 8-bit pixels and scales the rows it gathers', async () => {
    const options: DatasetOptions = {
      input: { kind: 'image', height: 32, width: 32, channels: 3 },
      classNames: ['a', 'b'],
      numClasses: 2,
      scaling: '-1-1',
    };
    const data = await readAllSamples(await openDataset(dir, options), [32, 32, 3]);
    expect(data.x).toHaveLength(0);
    expect(data.pixels?.data).toBeInstanceOf(Uint8Array);
    expect(data.pixels?.data).toHaveLength(5 * 32 * 32 * 3);
    expect(data.pixels?.scaling).toBe('-1-1');
    expect([...data.labels]).toEqual([0, 0, 0, 1, 1]);

    // Gathered rows equal what the batches hand the model.
    const batches = (await openDataset(dir, options)).batches(5);
    const batch = (await batches.next()).value!;
    const rows = gatherRows(data, [4, 0], 0, 2);
    const size = 32 * 32 * 3;
    expect(rows.x.subarray(0, size)).toEqual(batch.x.subarray(4 * size, 5 * size));
    expect(rows.x.subarray(size)).toEqual(batch.x.subarray(0, size));
    expect([...rows.labels]).toEqual([1, 0]);
  });
});
