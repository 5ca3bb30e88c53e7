import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveLayersModel } from '../../src/engine/model/save-model';
import { cli } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';
import { saveTinyModel } from '../helpers/tiny-models';
import { encodePng } from './data/fixtures';

/**
 * The engine on both of its fast backends, each in its own process as the command line runs it: native
 * TensorFlow (tfjs-node, `npm run setup-native`) and WebAssembly. Same predictions to 1e-4, the same
 * metrics, and no error path that crashes the process: every bad input exits 1 on both.
 */
const BACKENDS = ['tensorflow', 'wasm'] as const;
type Backend = (typeof BACKENDS)[number];
const DEMO_MODEL = path.resolve('resources/demo/model');
const DEMO_TEST = path.resolve('resources/demo/test');

interface Run {
  probabilities: number[][];
  labels: string[];
  document: {
    provenance: { backend: string };
    metrics: Record<string, { value: number }>;
  };
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir('calibration-audit-backends-');
});

/** Audits on one backend and reads back its --predictions CSV and --json document. */
async function auditOn(backend: Backend, model: string, data: string, tag: string): Promise<Run> {
  const predictions = path.join(dir, `${tag}-${backend}.csv`);
  const json = path.join(dir, `${tag}-${backend}.json`);
  const outcome = await cli(
    'audit',
    '--model',
    model,
    '--data',
    data,
    '--backend',
    backend,
    '--bootstrap',
    '200',
    '--predictions',
    predictions,
    '--json',
    json,
  );
  expect(outcome.stderr.split('\n').filter(ourLine)).toEqual([]);
  expect(outcome.code).toBe(0);
  const rows = (await readFile(predictions, 'utf8')).trim().split('\n').slice(1);
  const columns = rows.map((row) => row.split(','));
  return {
    labels: columns.map((c) => c[1]),
    probabilities: columns.map((c) => c.slice(4).map(Number)),
    document: JSON.parse(await readFile(json, 'utf8')),
  };
}

/** Every non-empty line of stderr: the command line's own (the engine's native banner is dropped). */
function ourLine(line: string): boolean {
  return line.trim() !== '';
}

function expectSameRuns(a: Run, b: Run): void {
  expect(a.document.provenance.backend).toBe('tensorflow');
  expect(b.document.provenance.backend).toBe('wasm');
  expect(b.labels).toEqual(a.labels);
  expect(b.probabilities.length).toBe(a.probabilities.length);
  let worst = 0;
  for (let i = 0; i < a.probabilities.length; i++) {
    for (let k = 0; k < a.probabilities[i].length; k++) {
      worst = Math.max(worst, Math.abs(a.probabilities[i][k] - b.probabilities[i][k]));
    }
  }
  expect(worst).toBeLessThan(1e-4);
  for (const metric of ['accuracy', 'ece', 'nll', 'brier', 'averageConfidence']) {
    expect(b.document.metrics[metric].value).toBeCloseTo(a.document.metrics[metric].value, 3);
  }
}

describe('native TensorFlow and WebAssembly give the same audit', () => {
  it('on the demo CNN and the Fashion-MNIST test split', async () => {
    const [native, wasm] = await Promise.all(
      BACKENDS.map((backend) => auditOn(backend, DEMO_MODEL, DEMO_TEST, 'demo')),
    );
    expectSameRuns(native, wasm);
    expect(native.document.metrics.accuracy.value).toBeCloseTo(0.9151, 4);
    expect(native.document.metrics.ece.value).toBeCloseTo(0.02314, 4);
  }, 180_000);

  it('on a dense model and a CSV test set', async () => {
    const folder = path.join(dir, 'csv-model');
    await saveTinyModel(folder, { features: 4, classes: 3, classNames: ['a', 'b', 'c'], seed: 3 });
    let random = 42;
    const next = () => ((random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4 - 2;
    const lines = ['f1,f2,f3,f4,label'];
    for (let i = 0; i < 300; i++)
      lines.push(`${next()},${next()},${next()},${next()},${'abc'[i % 3]}`);
    const csv = path.join(dir, 'test.csv');
    await writeFile(csv, lines.join('\n') + '\n');
    const runs = await Promise.all(BACKENDS.map((b) => auditOn(b, folder, csv, 'csv')));
    expectSameRuns(runs[0], runs[1]);
  }, 120_000);

  it('on a Teachable-Machine-structured model (conv base and a nested head) and a photo folder', async () => {
    const folder = path.join(dir, 'tm-model');
    await saveTeachableMachineStyleModel(folder, ['cat', 'dog', 'bird']);
    const photos = path.join(dir, 'photos');
    for (const [c, name] of ['cat', 'dog', 'bird'].entries()) {
      await mkdir(path.join(photos, name), { recursive: true });
      for (let i = 0; i < 12; i++) {
        const width = 40 + 7 * i;
        const height = 30 + 5 * ((i + c) % 4);
        const data = new Uint8Array(width * height * 4);
        for (let p = 0; p < width * height; p++) {
          data.set(
            [(p * (c + 3) + i * 17) % 256, (p >> 2) % 256, (c * 90 + i * 9) % 256, 255],
            p * 4,
          );
        }
        await writeFile(
          path.join(photos, name, `${i}.png`),
          encodePng({ width, height, samples: data, colorType: 6 }),
        );
      }
    }
    const runs = await Promise.all(BACKENDS.map((b) => auditOn(b, folder, photos, 'tm')));
    expectSameRuns(runs[0], runs[1]);
  }, 120_000);
});

describe('fine-tuning every layer of the demo CNN', () => {
  it('runs natively with tfjs gradients and agrees in direction with wasm (loss falls, same split)', async () => {
    const runs = await Promise.all(
      BACKENDS.map(async (backend) => {
        const json = path.join(dir, `finetune-${backend}.json`);
        const outcome = await cli(
          'finetune',
          '--demo',
          '--alpha',
          '0.1',
          '--layers',
          'all',
          '--learning-rate',
          '0.0001',
          '--epochs',
          '2',
          '--bootstrap',
          '100',
          '--backend',
          backend,
          '--json',
          json,
        );
        // Progress goes to stderr ("control epoch 1: loss …"); nothing else may.
        const other = outcome.stderr.split('\n').filter(ourLine);
        expect(other.filter((line) => !/ epoch \d+: loss /.test(line))).toEqual([]);
        expect(outcome.code).toBe(0);
        return JSON.parse(await readFile(json, 'utf8')) as {
          provenance: { backend: string };
          split: Record<'finetune' | 'calibration' | 'evaluation', { ids: string[] }>;
          history: { arm: string; epoch: number; loss: number }[];
        };
      }),
    );
    expect(runs.map((r) => r.provenance.backend)).toEqual(['tensorflow', 'wasm']);
    expect(runs[1].split).toEqual(runs[0].split);
    for (const run of runs) {
      for (const arm of ['control', 'smoothed']) {
        const losses = run.history.filter((h) => h.arm === arm).map((h) => h.loss);
        expect(losses.length).toBe(2);
        expect(losses[1]).toBeLessThan(losses[0]);
      }
    }
  }, 300_000);
});

describe('bad input exits 1 on both backends, with one line naming the file', () => {
  const cases: { name: string; make(folder: string): Promise<void>; message: RegExp }[] = [
    {
      name: 'a truncated model.json',
      make: (f) => writeFile(path.join(f, 'model.json'), '{"modelTopology":'),
      message: /model\.json: is not valid JSON/,
    },
    {
      name: 'a zero-byte model.json',
      make: (f) => writeFile(path.join(f, 'model.json'), ''),
      message: /model\.json: /,
    },
    {
      name: 'a missing weight shard',
      make: async (f) => {
        const json = await readFile(path.join(DEMO_MODEL, 'model.json'));
        await writeFile(path.join(f, 'model.json'), json);
      },
      message: /group1-shard1of1\.bin: is missing/,
    },
    {
      name: 'a weight path outside the folder',
      make: async (f) => {
        const json = JSON.parse(await readFile(path.join(DEMO_MODEL, 'model.json'), 'utf8'));
        json.weightsManifest[0].paths = ['../../etc/passwd'];
        await writeFile(path.join(f, 'model.json'), JSON.stringify(json));
      },
      message: /model\.json: /,
    },
    {
      name: 'an unknown layer class',
      make: async (f) => {
        const text = await readFile(path.join(DEMO_MODEL, 'model.json'), 'utf8');
        await writeFile(path.join(f, 'model.json'), text.replace('"Conv2D"', '"NoSuchLayer"'));
        await writeFile(
          path.join(f, 'group1-shard1of1.bin'),
          await readFile(path.join(DEMO_MODEL, 'group1-shard1of1.bin')),
        );
      },
      message: /NoSuchLayer/,
    },
    {
      name: 'a zip (Keras 3) file named model.json',
      make: (f) =>
        writeFile(path.join(f, 'model.json'), Buffer.from('PK\x03\x04\x14\x00\x00\x00config.json')),
      message: /model\.json: /,
    },
  ];

  for (const backend of BACKENDS) {
    for (const { name, make, message } of cases) {
      it(`${name} (${backend})`, async () => {
        const folder = path.join(dir, `bad-${backend}-${name.replace(/\W+/g, '-')}`);
        await mkdir(folder, { recursive: true });
        await make(folder);
        const outcome = await cli(
          'audit',
          '--model',
          folder,
          '--data',
          DEMO_TEST,
          '--backend',
          backend,
        );
        const lines = outcome.stderr.split('\n').filter(ourLine);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(message);
        expect(lines[0]).not.toMatch(/\n\s+at /);
        expect(outcome.code).toBe(1);
      }, 60_000);
    }
  }
});

/** Teachable Machine's image model layout: a conv base and a nested Sequential head ending in softmax. */
async function saveTeachableMachineStyleModel(folder: string, labels: string[]): Promise<void> {
  const base = tf.sequential({
    name: 'base',
    layers: [
      tf.layers.conv2d({
        inputShape: [32, 32, 3],
        filters: 8,
        kernelSize: 3,
        strides: 2,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.batchNormalization(),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
      tf.layers.globalAveragePooling2d({}),
    ],
  });
  const head = tf.sequential({
    name: 'head',
    layers: [
      tf.layers.dense({
        inputShape: [8],
        units: 16,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
      tf.layers.dense({
        units: labels.length,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
      }),
    ],
  });
  const model = tf.sequential({ layers: [base, head] });
  await saveLayersModel(model, folder, {});
  await writeFile(
    path.join(folder, 'metadata.json'),
    JSON.stringify({ tfjsVersion: '1.3.1', tmVersion: '2.4.7', labels, imageSize: 32 }),
  );
}
