import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { loadModel } from '../../../src/engine/model/load-model';
import { saveKeras3Model } from '../../helpers/keras3-model';
import { tempDir } from '../../helpers/temp-dir';

let root: string;
beforeAll(async () => {
  await selectBackend('cpu');
  root = await tempDir();
});

describe('Keras 3 model JSON', () => {
  it('loads after normalisation, with the same predictions as the original', async () => {
    const folder = path.join(root, 'keras3');
    const model = await saveKeras3Model(folder);
    const json = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8'));
    // TF.js itself cannot read it.
    await expect(
      tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0].weights,
        }),
      ),
    ).rejects.toThrow();

    const loaded = await loadModel(folder);
    expect(loaded.info.output).toBe('softmax');
    const x = new Float32Array([0.3, -1, 2, 0.5]);
    const expected = (model.predict(tf.tensor2d(x, [1, 4])) as tf.Tensor).dataSync();
    const scores = await loaded.predict(x, 1);
    for (let c = 0; c < 3; c++) expect(scores.probs[c]).toBeCloseTo(expected[c], 6);
  });
});
