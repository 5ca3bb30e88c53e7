import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit';
import { selectBackend } from '../../src/engine/backend';
import { openDataset } from '../../src/engine/data';
import { runInference, type InferenceProgress } from '../../src/engine/inference';
import { loadModel } from '../../src/engine/model/load-model';
import { saveLayersModel } from '../../src/engine/model/save-model';
import { tempDir } from '../helpers/temp-dir';

const PHOTOS = path.join(import.meta.dirname, '../fixtures/photos');
let dir: string;
let modelDir: string;
let folder: string;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = await tempDir();
  modelDir = path.join(dir, 'model');
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [8, 8, 3] }),
      tf.layers.dense({
        units: 2,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
    ],
  });
  await saveLayersModel(model, modelDir, { classNames: ['cat', 'cup'] });
  folder = path.join(dir, 'photos');
  // Seven real photos per class; one more whose pixel data is cut short (its header is intact).
  await mkdir(path.join(folder, 'cat'), { recursive: true });
  await mkdir(path.join(folder, 'cup'), { recursive: true });
  for (let i = 0; i < 7; i++) {
    await copyFile(path.join(PHOTOS, 'chelsea.jpg'), path.join(folder, 'cat', `${i}.jpg`));
    await copyFile(path.join(PHOTOS, 'coffee.jpg'), path.join(folder, 'cup', `${i}.jpg`));
  }
  const bytes = await readFile(path.join(PHOTOS, 'coffee.jpg'));
  await writeFile(path.join(folder, 'cup', '3b-cut.jpg'), bytes.subarray(0, bytes.length - 6000));
});

describe('runInference', () => {
  it('predicts every readable photo once, leaving out one that fails to decode', async () => {
    const model = await loadModel(modelDir);
    try {
      const dataset = await openDataset(folder, {
        input: { kind: 'image', height: 8, width: 8, channels: 3 },
        classNames: model.info.classNames,
        numClasses: 2,
      });
      expect(dataset.info.sampleCount).toBe(15);
      const seen: InferenceProgress[] = [];
      const result = await runInference(model, dataset, {
        batchSize: 4,
        onProgress: (p) => seen.push(p),
      });
      expect(result.ids).toHaveLength(14);
      expect(result.ids).not.toContain('cup/3b-cut.jpg');
      expect(result.labels).toHaveLength(14);
      expect(result.probs).toHaveLength(28);
      expect(result.logits).toHaveLength(28);
      expect(dataset.info.skipped).toEqual([
        { file: 'cup/3b-cut.jpg', reason: expect.stringMatching(/^corrupt JPEG: /) },
      ]);
      expect(dataset.info.countsPerClass).toEqual([7, 7]);
      // The total drops when the broken file is found; the last report is complete.
      expect(seen[0].total).toBe(15);
      expect(seen.at(-1)).toMatchObject({ done: 14, total: 14, etaSeconds: 0 });
      // Same photo, same input, same output.
      expect(result.probs[0]).toBeCloseTo(result.probs[2], 6);
    } finally {
      model.dispose();
    }
  });
});

describe('runAudit on a photo folder', () => {
  it('reports files read while opening, and lists the file that failed late as skipped', async () => {
    const phases: { phase: string; done?: number; total?: number }[] = [];
    const { document } = await runAudit(
      { modelPath: modelDir, dataPath: folder, bootstrapResamples: 20 },
      { onProgress: (p) => phases.push(p) },
    );
    const loading = phases.filter((p) => p.phase === 'loading' && p.total !== undefined);
    expect(loading.at(-1)).toEqual({ phase: 'loading', done: 15, total: 15 });
    expect(document.provenance.sampleCount).toBe(14);
    expect(document.dataset.skipped.map((s) => s.file)).toEqual(['cup/3b-cut.jpg']);
  });
});
