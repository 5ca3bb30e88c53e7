import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { finetuneEligibility } from '../../../src/engine/finetune/eligibility';
import { loadModel } from '../../../src/engine/model/load-model';
import { tempDir } from '../../helpers/temp-dir';
import { saveTinyModel } from '../../helpers/tiny-models';
import { saveBatchNormModel } from './fixtures';

const MODELS = path.resolve('test/fixtures/models');
let dir: string;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await tempDir();
});

describe('fine-tune eligibility, known when the model is opened', () => {
  it('lists the layers with weights of a TF.js Layers model, the head last', async () => {
    await saveTinyModel(path.join(dir, 'tiny'), { features: 4, classes: 3 });
    const model = await loadModel(path.join(dir, 'tiny'));
    const eligibility = finetuneEligibility(model);
    model.dispose();
    expect(eligibility.reason).toBeNull();
    expect(eligibility.eligible).toBe(true);
    expect(eligibility.reason).toBeNull();
    expect(eligibility.layers).toHaveLength(2);
    await saveBatchNormModel(path.join(dir, 'bn'));
    const bn = await loadModel(path.join(dir, 'bn'));
    const withNorm = finetuneEligibility(bn);
    bn.dispose();
    expect(withNorm.eligible).toBe(true);
    expect(withNorm.layers).toEqual(['features', 'norm', 'head']);
  });

  it('says why an ONNX model cannot be fine-tuned', async () => {
    const model = await loadModel(path.join(MODELS, 'onnx-cnn.onnx'));
    const eligibility = finetuneEligibility(model);
    model.dispose();
    expect(eligibility).toEqual({
      eligible: false,
      reason: model.info.notTrainable,
      layers: [],
    });
    expect(eligibility.reason).toMatch(/ONNX/);
  });
});
