import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { prepareParts } from '../../../src/engine/finetune/prepare-parts';
import { parseLayerSelection } from '../../../src/engine/finetune/trainable-model';
import { InputError } from '../../../src/engine/input-error';
import { loadModel } from '../../../src/engine/model/load-model';
import { tempDir } from '../../helpers/temp-dir';
import { saveBatchNormModel, writeBlobsCsv } from './fixtures';

let dir: string;
let modelDir: string;
let labelled: string;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await tempDir();
  modelDir = path.join(dir, 'model');
  await saveBatchNormModel(modelDir);
  labelled = path.join(dir, 'labelled.csv');
  await writeBlobsCsv(labelled, 120, { seed: 3 });
});

const options = {
  layers: parseLayerSelection('head'),
  fractions: { finetune: 0.5, calibration: 0.25, evaluation: 0.25 },
  seed: 0,
};

describe('prepareParts', () => {
  it('splits into disjoint parts and runs the original on calibration and evaluation', async () => {
    const model = await loadModel(modelDir);
    try {
      let announced = false;
      const parts = await prepareParts(
        model,
        { modelPath: modelDir, dataPath: labelled },
        { ...options, onOriginal: () => (announced = true) },
      );
      expect(announced).toBe(true);
      const { finetune, calibration, evaluation } = parts.split;
      const all = [...finetune, ...calibration, ...evaluation];
      expect(new Set(all).size).toBe(120);
      expect(parts.finetuneRows).toBe(finetune);
      expect(parts.originalCal.labels.length).toBe(calibration.length);
      expect(parts.originalEval.logits.length).toBe(evaluation.length * parts.numClasses);
      expect(parts.head).toBe('softmax');
      expect(parts.selection.trainableLayers.length).toBe(1);
    } finally {
      model.dispose();
    }
  });

  it('names the labelled set when it is too small for a calibration and an evaluation part', async () => {
    const tiny = path.join(dir, 'tiny.csv');
    await writeBlobsCsv(tiny, 3, { seed: 4 });
    const model = await loadModel(modelDir);
    try {
      const failure = prepareParts(model, { modelPath: modelDir, dataPath: tiny }, options);
      await expect(failure).rejects.toBeInstanceOf(InputError);
      await expect(failure).rejects.toThrow(/too few for a calibration and an evaluation part/);
    } finally {
      model.dispose();
    }
  });
});
