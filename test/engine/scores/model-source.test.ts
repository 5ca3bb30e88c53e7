import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { modelScoresSource } from '../../../src/engine/scores/model-source';
import { tempDir } from '../../helpers/temp-dir';
import { saveTinyModel } from '../../helpers/tiny-models';

let dir: string;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = await tempDir();
  const rows = ['f1,f2,f3,f4,label'];
  for (let i = 0; i < 30; i++)
    rows.push(`${i % 7},${(i * 3) % 5},${i % 2},${(i % 11) / 10},${['a', 'b', 'c'][i % 3]}`);
  await writeFile(path.join(dir, 'test.csv'), rows.join('\n') + '\n');
  await saveTinyModel(path.join(dir, 'model'), { classNames: ['a', 'b', 'c'] });
});

describe('modelScoresSource', () => {
  it('runs the model over the test set and describes both, with true logits', async () => {
    const phases: string[] = [];
    const scored = await modelScoresSource({
      modelPath: path.join(dir, 'model'),
      dataPath: path.join(dir, 'test.csv'),
      backend: 'cpu',
    }).read({ onProgress: (p) => phases.push(p.phase) });
    expect(phases[0]).toBe('loading');
    expect(phases).toContain('inference');
    expect(scored.model).toMatchObject({ numClasses: 3, classNames: ['a', 'b', 'c'] });
    expect(scored.scores).toBeNull();
    expect(scored.dataset).toMatchObject({ format: 'csv', sampleCount: 30 });
    expect(scored.backend.name).toBe('cpu');
    expect(scored.scaling).toBe('0-1');
    expect(scored.classNames).toEqual(['a', 'b', 'c']);
    expect(scored.logits).toHaveLength(90);
    // The probabilities are the softmax of the logits the model gave.
    const z = Array.from(scored.logits!.subarray(0, 3));
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    const sum = e.reduce((a, b) => a + b, 0);
    expect(Array.from(scored.probs.subarray(0, 3)).map((p, c) => p - e[c] / sum)).toEqual(
      [0, 0, 0].map(() => expect.closeTo(0, 6)),
    );
  });
});
