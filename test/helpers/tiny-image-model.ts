import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveLayersModel } from '../../src/engine/model/save-model';

const PHOTOS = path.resolve(__dirname, '../fixtures/photos');

/** The committed photos sorted into two class folders, as a user's labelled photo folder is. */
export const PHOTO_CLASSES: Record<string, string[]> = {
  space: ['astronaut.jpg', 'hubble-deep-field.jpg', 'rocket.jpg'],
  earth: ['camera.jpg', 'chelsea.jpg', 'coffee.jpg', 'retina.jpg'],
};

/** Copies the committed photos into `folder/<class>/<photo>.jpg`. */
export async function writePhotoFolder(folder: string): Promise<void> {
  for (const [label, files] of Object.entries(PHOTO_CLASSES)) {
    await mkdir(path.join(folder, label), { recursive: true });
    for (const file of files) await cp(path.join(PHOTOS, file), path.join(folder, label, file));
  }
}

/** A small RGB image CNN (`size`×`size`×3 in, softmax over `classNames`), saved as a TF.js folder. */
export async function saveTinyImageModel(
  folder: string,
  classNames: string[],
  size = 32,
): Promise<tf.LayersModel> {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [size, size, 3],
        filters: 4,
        kernelSize: 3,
        strides: 2,
        activation: 'relu',
        kernelInitializer: init(3),
      }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({
        units: classNames.length,
        activation: 'softmax',
        kernelInitializer: init(4),
      }),
    ],
  });
  await saveLayersModel(model, folder, { classNames });
  return model;
}
