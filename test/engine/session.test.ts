import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend';
import { saveLayersModel } from '../../src/engine/model/save-model';
import { EngineSession } from '../../src/engine/session';
import { tempDir } from '../helpers/temp-dir';

const PHOTOS = path.join(import.meta.dirname, '../fixtures/photos');
let dir: string;
let modelDir: string;
let folder: string;
let csv: string;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = await tempDir();
  modelDir = path.join(dir, 'model');
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [8, 8, 3] }),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  await saveLayersModel(model, modelDir, { classNames: ['cat', 'cup'] });
  folder = path.join(dir, 'photos');
  await mkdir(path.join(folder, 'cat'), { recursive: true });
  await mkdir(path.join(folder, 'cup'), { recursive: true });
  for (let i = 0; i < 6; i++) {
    await copyFile(path.join(PHOTOS, 'chelsea.jpg'), path.join(folder, 'cat', `${i}.jpg`));
    await copyFile(path.join(PHOTOS, 'coffee.jpg'), path.join(folder, 'cup', `${i}.jpg`));
  }
  csv = path.join(dir, 'rows.csv');
  await writeFile(csv, 'id,a,label\nr1,0.25,cat\nr2,-1,cup\n');
});

describe('EngineSession', () => {
  it('serves a page of thumbnails asked at once from one opening of the folder', async () => {
    const session = new EngineSession();
    const ids = [
      'cat/0.jpg',
      'cat/1.jpg',
      'cat/2.jpg',
      'cat/3.jpg',
      'cat/4.jpg',
      'cat/5.jpg',
    ].flatMap((id) => [id, id.replace('cat', 'cup')]);
    const pngs = await Promise.all(
      ids.map((sampleId) => session.thumbnail({ dataPath: folder, modelPath: modelDir, sampleId })),
    );
    for (const png of pngs) {
      expect(png).not.toBeNull();
      const image = PNG.sync.read(Buffer.from(png!));
      expect(Math.max(image.width, image.height)).toBeGreaterThan(8);
    }
    // The cat and the cup are different pictures.
    expect(Buffer.from(pngs[0]!).equals(Buffer.from(pngs[1]!))).toBe(false);
    await expect(
      session.thumbnail({ dataPath: folder, modelPath: modelDir, sampleId: 'dog/0.jpg' }),
    ).rejects.toThrow(/dog\/0\.jpg/);
  });

  it("gives a CSV row's values, and none for an image folder", async () => {
    const session = new EngineSession();
    const tabular = path.join(dir, 'tabular');
    const dense = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [1], units: 2, activation: 'softmax' })],
    });
    await saveLayersModel(dense, tabular, { classNames: ['cat', 'cup'] });
    expect(
      await session.sampleValues({ dataPath: csv, modelPath: tabular, sampleId: 'r2' }),
    ).toEqual([
      { column: 'id', value: 'r2' },
      { column: 'a', value: '-1' },
      { column: 'label', value: 'cup' },
    ]);
    expect(
      await session.sampleValues({ dataPath: folder, modelPath: modelDir, sampleId: 'cat/0.jpg' }),
    ).toBeNull();
  });
});
