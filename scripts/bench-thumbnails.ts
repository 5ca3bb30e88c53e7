import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
import { saveLayersModel } from '../src/engine/model/save-model';
import { EngineSession } from '../src/engine/session';

const PHOTOS = path.resolve('test/fixtures/photos');

/**
 * A page of confident mistakes' thumbnails (12, asked at once as the audit view does) from a
 * folder of `perClass` x 2 photos at 224x224, the first page (the folder is opened once for all
 * twelve) and the next page (the folder already open). Target: within a second or two.
 */
export async function benchThumbnails(perClass = 600): Promise<Record<string, number>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'calibration-audit-bench-thumbs-'));
  try {
    await selectBackend();
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [224, 224, 3] }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const modelPath = path.join(dir, 'model');
    await saveLayersModel(model, modelPath, { classNames: ['cat', 'cup'] });
    model.dispose();
    const dataPath = path.join(dir, 'photos');
    for (const [name, photo] of [
      ['cat', 'chelsea.jpg'],
      ['cup', 'coffee.jpg'],
    ]) {
      await mkdir(path.join(dataPath, name), { recursive: true });
      for (let i = 0; i < perClass; i++)
        await copyFile(path.join(PHOTOS, photo), path.join(dataPath, name, `${i}.jpg`));
    }
    const session = new EngineSession();
    const page = (name: string) =>
      Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          session.thumbnail({ dataPath, modelPath, sampleId: `${name}/${i}.jpg` }),
        ),
      );
    let started = performance.now();
    await page('cat');
    const firstPageSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await page('cup');
    const nextPageSeconds = (performance.now() - started) / 1000;
    return {
      photos: 2 * perClass,
      firstPageSeconds: Math.round(firstPageSeconds * 1000) / 1000,
      nextPageSeconds: Math.round(nextPageSeconds * 1000) / 1000,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
