import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { runFinetune } from '../../../src/engine/finetune/finetune';
import { readAllSamples } from '../../../src/engine/finetune/samples';
import { loadModel } from '../../../src/engine/model/load-model';
import { openTestSetFor } from '../../../src/engine/open-test-set';
import { tempDir } from '../../helpers/temp-dir';
import { saveTeachableMachineModel } from '../../helpers/teachable-machine';

const FASHION_200 = path.resolve(__dirname, '../../fixtures/models/fashion-200');
const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
let dir: string;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await tempDir();
});

describe('exportFinetunedModel: a Teachable Machine-structured model', () => {
  it('fine-tunes its nested head, exports and reloads with the same predictions', async () => {
    const modelDir = path.join(dir, 'tm');
    (await saveTeachableMachineModel(modelDir, LABELS)).dispose();
    const out = path.join(dir, 'tm-finetuned');
    const result = await runFinetune({
      modelPath: modelDir,
      dataPath: FASHION_200,
      alpha: 0.1,
      epochs: 2,
      batchSize: 32,
      learningRate: 0.01,
      bootstrapResamples: 20,
      exportPath: out,
    });
    expect(result.document.settings.trainableLayers).toEqual(['dense_Dense2']);
    expect(result.document.exportedModel).toBe(out);

    const reloaded = await loadModel(out);
    try {
      expect(reloaded.info.output).toBe('softmax');
      expect(reloaded.info.classNames).toEqual(LABELS);
      const { dataset } = await openTestSetFor(reloaded, FASHION_200);
      const all = await readAllSamples(dataset, reloaded.info.inputShape);
      const rowOf = new Map(all.ids.map((id, i) => [id, i]));
      const ids = result.evaluation.ids;
      const x = new Float32Array(ids.length * 784);
      ids.forEach((id, i) =>
        x.set(all.x.subarray(rowOf.get(id)! * 784, (rowOf.get(id)! + 1) * 784), i * 784),
      );
      const scores = await reloaded.predict(x, ids.length);
      const expected = result.evaluation.arms.smoothed.probs;
      expect(scores.probs.length).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) {
        expect(Math.abs(scores.probs[i] - expected[i])).toBeLessThan(1e-5);
      }
      // The fine-tune changed the head: the original model predicts differently.
      const before = result.evaluation.arms.original.probs;
      expect(before.some((p, i) => Math.abs(p - expected[i]) > 1e-4)).toBe(true);

      // The export keeps the nested structure with its softmax head and Teachable Machine's metadata.
      const json = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
      const text = JSON.stringify(json.modelTopology);
      expect(text).toContain('"class_name":"Sequential"');
      expect(text).toContain('"activation":"softmax"');
      const metadata = JSON.parse(await readFile(path.join(out, 'metadata.json'), 'utf8'));
      expect(metadata.tmVersion).toBe('2.4.7');
    } finally {
      reloaded.dispose();
    }
  });
});
