import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { prepareParts } from '../../../src/engine/finetune/prepare-parts';
import { trainArms } from '../../../src/engine/finetune/train-arms';
import { parseLayerSelection } from '../../../src/engine/finetune/trainable-model';
import { loadModel } from '../../../src/engine/model/load-model';
import type { FinetuneProgress } from '../../../src/shared/finetune-document';
import { tempDir } from '../../helpers/temp-dir';
import { saveBatchNormModel, writeBlobsCsv } from './fixtures';

let modelDir: string;
let labelled: string;

beforeAll(async () => {
  await selectBackend('wasm');
  const dir = await tempDir();
  modelDir = path.join(dir, 'model');
  await saveBatchNormModel(modelDir);
  labelled = path.join(dir, 'labelled.csv');
  await writeBlobsCsv(labelled, 160, { seed: 7 });
});

describe('trainArms', () => {
  it('trains the control first, then each alpha, and keeps the chosen model when asked', async () => {
    const layers = parseLayerSelection('head');
    const original = await loadModel(modelDir);
    const parts = await prepareParts(
      original,
      { modelPath: modelDir, dataPath: labelled },
      { layers, fractions: { finetune: 0.5, calibration: 0.25, evaluation: 0.25 }, seed: 0 },
    );
    const events: Omit<FinetuneProgress, 'task'>[] = [];
    const trained = await trainArms(parts, original.info.file, original.info.inputShape, {
      modelPath: modelDir,
      alphas: [0.05, 0.2],
      epochs: 1,
      batchSize: 16,
      learningRate: 0.01,
      layers,
      seed: 0,
      bins: 15,
      keepChosen: true,
      progress: (p) => events.push(p),
    });
    try {
      expect(trained.runs.map((r) => r.alpha)).toEqual([0, 0.05, 0.2]);
      expect(trained.control.alpha).toBe(0);
      expect(trained.candidates.map((r) => r.alpha)).toEqual([0.05, 0.2]);
      const best = Math.min(...trained.candidates.map((r) => r.calibrationScore.nll));
      expect(trained.chosen.calibrationScore.nll).toBe(best);
      expect(trained.kept).not.toBeNull();
      expect(trained.chosen.evaluation.labels.length).toBe(parts.split.evaluation.length);
      expect(events.filter((e) => e.completedEpoch).map((e) => e.completedEpoch!.arm)).toEqual([
        'control',
        'smoothed',
        'smoothed',
      ]);
      expect(trained.trainingSeconds).toBeGreaterThan(0);
    } finally {
      trained.kept?.dispose();
      original.dispose();
    }
  });
});
