/**
 * A small fuzz test through the real command line: random bytes and mutated valid files (model.json,
 * CSV, IDX, PNG, JPEG, and Keras and ONNX model files cut short), each run as `calibration-audit audit`. Every case must end with exit code 1 and
 * one line on stderr that names the file (or its folder), with no stack trace, within a hang guard,
 * and with a capped heap (NODE_OPTIONS) so that an unbounded allocation fails the case.
 * The seed is fixed so that a failure can be replayed; FUZZ_SEED picks another.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random';
import { grayPng, idxPair, rgbJpeg } from '../engine/data/fixtures';
import { saveTinyModel } from '../helpers/tiny-models';
import { tempDir } from '../helpers/temp-dir';

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const BIN = path.resolve('bin/calibration-audit.mjs');
/** Hang guard only: a case normally ends in about 3 s. */
const CASE_TIMEOUT_MS = 60_000;

let dir: string;
let model: string;
let validCsv: string;

beforeAll(async () => {
  dir = await tempDir('calibration-audit-fuzz-');
  model = path.join(dir, 'model');
  await saveTinyModel(model, { features: 4, classes: 3, classNames: ['a', 'b', 'c'] });
  validCsv = 'label,f1,f2,f3,f4\n' + 'a,1,2,3,4\nb,5,6,7,8\nc,9,10,11,12\n'.repeat(20);
});

/** At most two command lines at a time: the machine (and CI) is shared. */
let slots = 2;
const waiting: (() => void)[] = [];
async function inSlot<T>(work: () => Promise<T>): Promise<T> {
  if (slots === 0) await new Promise<void>((resolve) => waiting.push(resolve));
  else slots--;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  }
}

function run(args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  return inSlot(() => runNow(args));
}

function runNow(args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        timeout: CASE_TIMEOUT_MS,
        maxBuffer: 1 << 22,
        env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=512' },
      },
      (error, _stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stderr, ms: Date.now() - started });
      },
    );
  });
}

/** Replaces a few random spans of `bytes` with random bytes (never leaving them as they were). */
function mutate(bytes: Buffer, rng: Rng, spans = 3): Buffer {
  const out = Buffer.from(bytes);
  for (let s = 0; s < spans; s++) {
    const at = Math.floor(rng.nextFloat() * out.length);
    const length = 1 + Math.floor(rng.nextFloat() * 16);
    for (let i = at; i < Math.min(out.length, at + length); i++) {
      out[i] = Math.floor(rng.nextFloat() * 256);
    }
  }
  return out;
}

function randomBytes(rng: Rng, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(rng.nextFloat() * 256)));
}

interface FuzzCase {
  name: string;
  /** Writes the input; returns the CLI arguments and the name the message must contain. */
  make: (rng: Rng, folder: string) => Promise<{ args: string[]; names: string }>;
}

async function copyModel(folder: string): Promise<string> {
  const copy = path.join(folder, 'model');
  await mkdir(copy);
  for (const file of await readdir(model))
    await copyFile(path.join(model, file), path.join(copy, file));
  return copy;
}

const CASES: FuzzCase[] = [
  {
    name: 'model.json of random bytes',
    async make(rng, folder) {
      const copy = await copyModel(folder);
      await writeFile(path.join(copy, 'model.json'), randomBytes(rng, 2000));
      await writeFile(path.join(folder, 'data.csv'), validCsv);
      return {
        args: ['--model', copy, '--data', path.join(folder, 'data.csv')],
        names: 'model.json',
      };
    },
  },
  {
    name: 'model.json cut short',
    async make(rng, folder) {
      const copy = await copyModel(folder);
      const json = await readFile(path.join(copy, 'model.json'));
      await writeFile(
        path.join(copy, 'model.json'),
        json.subarray(0, Math.floor(rng.nextFloat() * json.length)),
      );
      await writeFile(path.join(folder, 'data.csv'), validCsv);
      return {
        args: ['--model', copy, '--data', path.join(folder, 'data.csv')],
        names: 'model.json',
      };
    },
  },
  {
    name: 'model.json with its structure mutated',
    async make(rng, folder) {
      const copy = await copyModel(folder);
      const json = JSON.parse(await readFile(path.join(copy, 'model.json'), 'utf8'));
      const choices = [
        () => (json.modelTopology = 42),
        () => (json.weightsManifest = [{ paths: 7, weights: [] }]),
        () => (json.weightsManifest[0].weights[0].shape = [-1, 'x']),
        () => (json.weightsManifest[0].weights[0].dtype = 'float128'),
        () => (json.weightsManifest[0].paths = ['/etc/passwd']),
      ];
      choices[Math.floor(rng.nextFloat() * choices.length)]();
      await writeFile(path.join(copy, 'model.json'), JSON.stringify(json));
      await writeFile(path.join(folder, 'data.csv'), validCsv);
      return {
        args: ['--model', copy, '--data', path.join(folder, 'data.csv')],
        names: 'model.json',
      };
    },
  },
  {
    name: 'CSV of random bytes',
    async make(rng, folder) {
      const file = path.join(folder, 'random.csv');
      await writeFile(file, randomBytes(rng, 5000));
      return { args: ['--model', model, '--data', file], names: 'random.csv' };
    },
  },
  {
    name: 'CSV with random spans',
    async make(rng, folder) {
      const file = path.join(folder, 'mutated.csv');
      // A NUL (or any binary byte run) somewhere: a mutation that may keep the text valid adds one.
      const bytes = mutate(Buffer.from(validCsv), rng);
      bytes[Math.floor(rng.nextFloat() * bytes.length)] = 0;
      await writeFile(file, bytes);
      return { args: ['--model', model, '--data', file], names: 'mutated.csv' };
    },
  },
  {
    name: 'CSV with an unclosed quote or a ragged row',
    async make(rng, folder) {
      const file = path.join(folder, 'ragged.csv');
      const lines = validCsv.split('\n');
      const at = 1 + Math.floor(rng.nextFloat() * (lines.length - 2));
      lines[at] =
        rng.nextFloat() < 0.5 ? `${lines[at]},"open` : lines[at].split(',').slice(0, 2).join(',');
      await writeFile(file, lines.join('\n'));
      return { args: ['--model', model, '--data', file], names: 'ragged.csv' };
    },
  },
  {
    name: 'IDX files of random bytes',
    async make(rng, folder) {
      const set = path.join(folder, 'idx');
      await mkdir(set);
      await writeFile(path.join(set, 't10k-images-idx3-ubyte'), randomBytes(rng, 3000));
      await writeFile(path.join(set, 't10k-labels-idx1-ubyte'), randomBytes(rng, 100));
      return { args: ['--model', model, '--data', set], names: 'idx' };
    },
  },
  {
    name: 'IDX pair with a mutated header',
    async make(rng, folder) {
      const set = path.join(folder, 'idx-header');
      await mkdir(set);
      const pair = idxPair([0, 1, 2, 1], 2, 2);
      const images = Buffer.from(pair.images);
      // A count, a size or the magic number made wrong.
      images.writeUInt32BE(
        0xffffffff - Math.floor(rng.nextFloat() * 1000),
        4 * Math.floor(rng.nextFloat() * 4),
      );
      await writeFile(path.join(set, 't10k-images-idx3-ubyte.gz'), gzipSync(images));
      await writeFile(path.join(set, 't10k-labels-idx1-ubyte.gz'), gzipSync(pair.labels));
      return { args: ['--model', model, '--data', set], names: 'idx' };
    },
  },
  {
    name: 'gzip IDX cut short',
    async make(rng, folder) {
      const set = path.join(folder, 'idx-cut');
      await mkdir(set);
      const pair = idxPair([0, 1, 2, 1, 0, 2], 2, 2);
      const images = gzipSync(pair.images);
      await writeFile(
        path.join(set, 't10k-images-idx3-ubyte.gz'),
        images.subarray(0, 10 + Math.floor(rng.nextFloat() * (images.length - 12))),
      );
      await writeFile(path.join(set, 't10k-labels-idx1-ubyte.gz'), gzipSync(pair.labels));
      return { args: ['--model', model, '--data', set], names: 'idx' };
    },
  },
  {
    name: 'image folder of mutated PNGs and JPEGs',
    async make(rng, folder) {
      const set = path.join(folder, 'images');
      // An image model: 4x4 gray so the images would be decodable if intact.
      const imageModel = path.join(folder, 'image-model');
      await saveTinyImageModel(imageModel);
      const png = grayPng(4, 4, (x, y) => x * 16 + y);
      const jpeg = rgbJpeg(4, 4, [10, 20, 30]);
      for (const [cls, name, bytes] of [
        ['a', 'one.png', png],
        ['a', 'two.jpg', jpeg],
        ['b', 'three.png', png],
        ['b', 'four.jpg', jpeg],
      ] as const) {
        await mkdir(path.join(set, cls), { recursive: true });
        // Headers destroyed (so no image can decode), then random spans.
        const broken = mutate(Buffer.from(bytes), rng);
        broken.fill(0x41, 0, 4);
        await writeFile(path.join(set, cls, name), broken);
      }
      return { args: ['--model', imageModel, '--data', set], names: 'images' };
    },
  },
  {
    name: 'random bytes named .png in every class',
    async make(rng, folder) {
      const set = path.join(folder, 'noise');
      const imageModel = path.join(folder, 'image-model');
      await saveTinyImageModel(imageModel);
      for (const cls of ['a', 'b']) {
        await mkdir(path.join(set, cls), { recursive: true });
        const noise = randomBytes(rng, 500);
        noise.write('\x89PNG\r\n\x1a\n', 0, 'latin1');
        await writeFile(path.join(set, cls, 'x.png'), noise);
      }
      return { args: ['--model', imageModel, '--data', set], names: 'noise' };
    },
  },
  {
    name: 'a Keras (.keras, .h5) or ONNX model file cut short',
    async make(rng, folder) {
      const fixtures = path.resolve('test/fixtures/models');
      const names = ['keras3-cnn.keras', 'tfkeras-cnn.h5', 'onnx-cnn.onnx'];
      const name = names[Math.floor(rng.nextFloat() * names.length)];
      const bytes = await readFile(path.join(fixtures, name));
      const file = path.join(folder, name);
      await writeFile(
        file,
        bytes.subarray(0, 16 + Math.floor(rng.nextFloat() * bytes.length * 0.8)),
      );
      return { args: ['--model', file, '--data', path.join(fixtures, 'fashion-200')], names: name };
    },
  },
];

/** A tiny image classifier (4x4 gray in, 2 classes) for the image cases. */
async function saveTinyImageModel(folder: string): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  const { saveLayersModel } = await import('../../src/engine/model/save-model');
  const net = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: 'zeros' }),
    ],
  });
  await saveLayersModel(net, folder, { classNames: ['a', 'b'] });
}

describe(`fuzzing the command line (seed ${SEED})`, () => {
  it.concurrent.each(CASES.map((c, i) => [c.name, i] as const))(
    '%s: exit 1, one line naming the file, no stack trace',
    async (_name, index) => {
      const rng = new Rng(SEED + index);
      const folder = path.join(dir, `case-${index}`);
      await mkdir(folder);
      const { args, names } = await CASES[index].make(rng, folder);
      const outcome = await run(['audit', ...args, '--bootstrap', '10']);
      const lines = outcome.stderr.trim().split('\n');
      const context = `${CASES[index].name}: ${outcome.stderr.slice(0, 2000)}`;
      expect(outcome.code, context).toBe(1);
      expect(lines, context).toHaveLength(1);
      expect(lines[0], context).toMatch(/^calibration-audit: /);
      expect(lines[0], context).toContain(names);
      expect(outcome.stderr, context).not.toMatch(/\n\s+at |Error: .*\n/);
      expect(outcome.ms, context).toBeLessThan(CASE_TIMEOUT_MS);
    },
    CASE_TIMEOUT_MS + 10_000,
  );
});
