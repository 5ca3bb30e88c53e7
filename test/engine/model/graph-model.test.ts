import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { loadModel } from '../../../src/engine/model/load-model';
import { tempDir } from '../../helpers/temp-dir';

const W = [0.5, -1, 0.25, 1, 0, -0.5, -0.75, 0.5, 1, 0.2, 0.3, -0.1]; // 4 x 3, row-major
const B = [0.1, -0.2, 0.05];

const dim = (sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });
const float = { type: 'DT_FLOAT' };

/** A TF.js graph model as tensorflowjs_converter writes one: softmax(x · W + b). */
async function writeGraphModel(folder: string, head: 'Softmax' | 'none'): Promise<void> {
  const nodes: object[] = [
    { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: dim([-1, 4]) } } },
    {
      name: 'w',
      op: 'Const',
      attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim([4, 3]) } } },
    },
    {
      name: 'b',
      op: 'Const',
      attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim([3]) } } },
    },
    {
      name: 'mm',
      op: 'MatMul',
      input: ['x', 'w'],
      attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } },
    },
    { name: 'logits', op: 'BiasAdd', input: ['mm', 'b'], attr: { T: float } },
  ];
  if (head === 'Softmax')
    nodes.push({ name: 'probs', op: 'Softmax', input: ['logits'], attr: { T: float } });
  await mkdir(folder, { recursive: true });
  await writeFile(
    path.join(folder, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      generatedBy: 'test',
      convertedBy: 'test',
      modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: [
            { name: 'w', shape: [4, 3], dtype: 'float32' },
            { name: 'b', shape: [3], dtype: 'float32' },
          ],
        },
      ],
    }),
  );
  await writeFile(
    path.join(folder, 'group1-shard1of1.bin'),
    Buffer.from(new Float32Array([...W, ...B]).buffer),
  );
}

function expectedLogits(x: number[]): number[] {
  return [0, 1, 2].map((c) => x.reduce((sum, xi, i) => sum + xi * W[i * 3 + c], B[c]));
}

let root: string;
beforeAll(async () => {
  await selectBackend('cpu');
  root = await tempDir();
});

describe('graph models', () => {
  it('loads a graph model whose outputs are probabilities and derives log-probability logits', async () => {
    const folder = path.join(root, 'softmax');
    await writeGraphModel(folder, 'Softmax');
    const loaded = await loadModel(folder);
    expect(loaded.info.format).toBe('graph');
    expect(loaded.info.output).toBe('probabilities');
    expect(loaded.info.inputShape).toEqual([4]);
    expect(loaded.info.numClasses).toBe(3);
    expect(loaded.info.parameters).toBe(15);
    const x = [1, 2, -1, 0.5];
    const z = expectedLogits(x);
    const scores = await loaded.predict(new Float32Array(x), 1);
    const sum = z.reduce((s, v) => s + Math.exp(v), 0);
    for (let c = 0; c < 3; c++) expect(scores.probs[c]).toBeCloseTo(Math.exp(z[c]) / sum, 6);
    // log p differs from the logits by a constant, so the logit gap is the same.
    expect(scores.logits[0] - scores.logits[1]).toBeCloseTo(z[0] - z[1], 5);
    loaded.dispose();
  });

  it('detects raw logits from a graph model without a softmax', async () => {
    const folder = path.join(root, 'logits');
    await writeGraphModel(folder, 'none');
    const loaded = await loadModel(folder);
    expect(loaded.info.output).toBe('logits');
    const x = [0.2, -0.4, 1.5, 2];
    const scores = await loaded.predict(new Float32Array(x), 1);
    expectedLogits(x).forEach((z, c) => expect(scores.logits[c]).toBeCloseTo(z, 5));
  });
});
