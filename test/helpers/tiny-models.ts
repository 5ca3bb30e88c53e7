import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveLayersModel } from '../../src/engine/model/save-model';

export type Head = 'softmax' | 'linear' | 'sigmoid' | 'softmax-layer';

/** A small dense classifier on `features` inputs with a chosen head, saved as a TF.js Layers folder. */
export async function saveTinyModel(
  folder: string,
  options: {
    features?: number;
    classes?: number;
    head?: Head;
    classNames?: string[];
    seed?: number;
  } = {},
): Promise<tf.LayersModel> {
  const { features = 4, classes = 3, head = 'softmax', classNames, seed = 7 } = options;
  const units = head === 'sigmoid' ? 1 : classes;
  const layers: tf.layers.Layer[] = [
    tf.layers.dense({
      inputShape: [features],
      units: 8,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    }),
    tf.layers.dense({
      units,
      activation: head === 'softmax-layer' ? 'linear' : head,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  ];
  if (head === 'softmax-layer') layers.push(tf.layers.softmax());
  const model = tf.sequential({ layers });
  await saveLayersModel(model, folder, classNames ? { classNames } : {});
  return model;
}

export function modelFile(folder: string): string {
  return path.join(folder, 'model.json');
}
