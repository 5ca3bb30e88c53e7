import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveLayersModel } from '../../../src/engine/model/save-model';
import { saveKeras3Model as saveKeras3ModelWithMetadata } from '../../helpers/keras3-model';

export const CLASSES = ['a', 'b', 'c'];

/** Seeded uniform numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BlobRow {
  id: string;
  features: number[];
  label: number;
}

/**
 * Three overlapping Gaussian clusters in 4-D with class sizes in proportion `weights`, written
 * as a CSV with an id column (ids `<prefix><n>`) and class-name labels. Returns the rows.
 */
export async function writeBlobsCsv(
  file: string,
  n: number,
  options: { seed?: number; prefix?: string; weights?: number[]; names?: string[] } = {},
): Promise<BlobRow[]> {
  const { seed = 1, prefix = 's', weights = [0.5, 0.3, 0.2], names = CLASSES } = options;
  const next = random(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const centres = [
    [1, 0, 0, 0.5],
    [0, 1, 0, -0.5],
    [0, 0, 1, 0],
  ];
  const rows: BlobRow[] = [];
  for (let i = 0; i < n; i++) {
    const u = next();
    const label = u < weights[0] ? 0 : u < weights[0] + weights[1] ? 1 : 2;
    const features = centres[label].map((c) => Number((c + 0.8 * gaussian()).toFixed(5)));
    rows.push({ id: `${prefix}${i}`, features, label });
  }
  const lines = ['id,f1,f2,f3,f4,label'];
  for (const row of rows) lines.push([row.id, ...row.features, names[row.label]].join(','));
  await writeFile(file, lines.join('\n') + '\n');
  return rows;
}

/**
 * Dense(8) → BatchNormalization → ReLU → Dense(3, softmax | sigmoid with 1 unit), saved as a
 * TF.js Layers folder. The BatchNormalization statistics are set away from their initial
 * values (mean 0, variance 1) so that any update is visible.
 */
export async function saveBatchNormModel(
  folder: string,
  options: { head?: 'softmax' | 'sigmoid'; seed?: number } = {},
): Promise<tf.LayersModel> {
  const { head = 'softmax', seed = 3 } = options;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [4],
        units: 8,
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        name: 'features',
      }),
      tf.layers.batchNormalization({ name: 'norm' }),
      tf.layers.activation({ activation: 'relu', name: 'relu' }),
      tf.layers.dense({
        units: head === 'sigmoid' ? 1 : 3,
        activation: head,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
        name: 'head',
      }),
    ],
  });
  const values = (base: number, step: number) =>
    tf.tensor1d(Array.from({ length: 8 }, (_, i) => base + step * i));
  const weights = [values(1.1, 0.05), values(-0.1, 0.02), values(0.3, -0.07), values(0.6, 0.11)];
  model.getLayer('norm').setWeights(weights);
  tf.dispose(weights);
  await saveLayersModel(
    model,
    folder,
    head === 'sigmoid' ? { classNames: ['no', 'yes'] } : { classNames: CLASSES },
  );
  return model;
}

/** sha256 over every file of a folder (names and bytes, in name order). */
export async function folderFingerprint(folder: string): Promise<string> {
  const hash = createHash('sha256');
  for (const name of (await readdir(folder)).sort()) {
    hash.update(name);
    hash.update(await readFile(path.join(folder, name)));
  }
  return hash.digest('hex');
}

/** The weights of one layer as plain arrays (getWeights returns the variables themselves). */
export function layerWeights(model: tf.LayersModel, name: string): number[][] {
  return model
    .getLayer(name)
    .getWeights()
    .map((w) => Array.from(w.dataSync()));
}

/** A Keras 3 style model folder (see test/helpers/keras3-model.ts) with this fixture's class names. */
export async function saveKeras3Model(folder: string): Promise<void> {
  (await saveKeras3ModelWithMetadata(folder, { classNames: CLASSES })).dispose();
}
