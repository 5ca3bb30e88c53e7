import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveLayersModel } from '../../src/engine/model/save-model';

export interface CentroidCase {
  /** The model folder (model.json, a shard, metadata.json with the class names). */
  modelDir: string;
  /** The test set: feature columns f0…, and a `label` column holding class names. */
  csv: string;
  classNames: string[];
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A real, reasonably accurate K-class model without training: one Dense layer whose weights are
 * the classes' centroids (logits = scale · x·cᵏ), and a CSV test set of points drawn around those
 * centroids. A large `scale` makes it overconfident. For views of many classes (100, 1,000) and
 * long class names.
 */
export async function saveCentroidCase(
  folder: string,
  options: {
    classes: number;
    perClass?: number;
    features?: number;
    noise?: number;
    scale?: number;
    seed?: number;
    classNames?: string[];
  },
): Promise<CentroidCase> {
  const {
    classes,
    perClass = 20,
    features = 24,
    noise = 0.55,
    scale = 6,
    seed = 11,
    classNames = Array.from({ length: classes }, (_, k) => `class ${k}`),
  } = options;
  const rand = random(seed);
  const gauss = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const centroids = Array.from({ length: classes }, () => {
    const v = Array.from({ length: features }, gauss);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
  const kernel = new Float32Array(features * classes);
  for (let f = 0; f < features; f++)
    for (let k = 0; k < classes; k++) kernel[f * classes + k] = scale * centroids[k][f];
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [features], units: classes, activation: 'softmax' })],
  });
  model.layers[0].setWeights([
    tf.tensor2d(kernel, [features, classes]),
    tf.zeros([classes]) as tf.Tensor1D,
  ]);
  const modelDir = path.join(folder, 'model');
  await saveLayersModel(model, modelDir, { classNames });
  model.dispose();

  const header = [...Array.from({ length: features }, (_, f) => `f${f}`), 'label'];
  const lines = [header.join(',')];
  for (let k = 0; k < classes; k++) {
    for (let i = 0; i < perClass; i++) {
      const x = centroids[k].map((c) => (c + (noise * gauss()) / Math.sqrt(features)).toFixed(5));
      const name = classNames[k].includes(',') ? `"${classNames[k]}"` : classNames[k];
      lines.push([...x, name].join(','));
    }
  }
  await mkdir(folder, { recursive: true });
  const csv = path.join(folder, 'test.csv');
  await writeFile(csv, lines.join('\n') + '\n');
  return { modelDir, csv, classNames };
}
