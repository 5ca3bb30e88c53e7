import { readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/core';
import type { AuditDocument } from '../../src/shared/audit-document';
import { cli, type CliOutcome } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

const packageVersion = JSON.parse(await readFile('package.json', 'utf8')).version as string;

let dir: string;
let demo: CliOutcome;
let document: AuditDocument;
let predictions: string[];

beforeAll(async () => {
  dir = await tempDir();
  demo = await cli(
    'demo',
    '--json',
    path.join(dir, 'demo.json'),
    '--predictions',
    path.join(dir, 'p.csv'),
  );
  document = JSON.parse(await readFile(path.join(dir, 'demo.json'), 'utf8'));
  predictions = (await readFile(path.join(dir, 'p.csv'), 'utf8')).trim().split('\n');
}, 180_000);

describe('calibration-audit demo', () => {
  it('exits 0 and prints the metrics table and the verdict', () => {
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/Accuracy\s+\d+\.\d\d%/);
    expect(demo.stdout).toMatch(/ECE\s+\d+\.\d\d%\s+\d+\.\d\d% – \d+\.\d\d%/);
    expect(demo.stdout.trim().split('\n').pop()).toBe(document.verdict.text);
  });

  it('writes every metric with a 95% interval around its value (the MCE with its bin)', () => {
    // The MCE has no bootstrap interval (NaN, written as null): its bin and that bin's own
    // Wilson interval stand in for it.
    expect(document.metrics.mce.ci95).toEqual([null, null]);
    expect(Math.abs(document.mceBin!.gap!)).toBeCloseTo(document.metrics.mce.value, 12);
    expect(document.mceBin!.accuracyInterval).toHaveLength(2);
    for (const name of METRIC_NAMES) {
      if (name === 'mce') continue;
      const metric = document.metrics[name];
      expect(metric.value, name).toEqual(expect.any(Number));
      expect(metric.ci95[0], name).toBeLessThanOrEqual(metric.value + 1e-12);
      expect(metric.ci95[1], name).toBeGreaterThanOrEqual(metric.value - 1e-12);
    }
  });

  it('writes bins, flags, provenance and skipped as the schema says', () => {
    expect(document.bins).toHaveLength(15);
    for (const bin of document.bins) {
      expect(Object.keys(bin)).toEqual(
        expect.arrayContaining(['lower', 'upper', 'count', 'accuracy', 'confidence']),
      );
    }
    expect(document.bins.reduce((s: number, b: { count: number }) => s + b.count, 0)).toBe(10000);
    expect(document.flags).toEqual(
      expect.objectContaining({
        samples: expect.any(Array),
        bins: expect.any(Array),
        classes: expect.any(Array),
      }),
    );
    const p = document.provenance;
    expect(p.backend).toMatch(/^(tensorflow|wasm|cpu)$/);
    expect(p.modelFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(p.datasetFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(p.sampleCount).toBe(10000);
    expect(p.classNames).toEqual(expect.arrayContaining(['T-shirt/top', 'Ankle boot']));
    expect(p.appVersion).toBe(packageVersion);
    expect(Date.parse(p.createdAt)).not.toBeNaN();
    expect(document.skipped).toEqual([]);
  });

  it('flags confident mistakes with their ids and class names, most confident first', () => {
    const samples = document.flags.samples;
    expect(samples.length).toBeGreaterThan(0);
    for (const s of samples) {
      expect(s.id).toMatch(/^idx:\d+$/);
      expect(s.label).not.toBe(s.prediction);
      expect(s.confidence).toBeGreaterThanOrEqual(0.9);
    }
    for (let i = 1; i < samples.length; i++)
      expect(samples[i - 1].confidence).toBeGreaterThanOrEqual(samples[i].confidence);
  });

  it('writes one prediction row per sample from which accuracy can be recomputed', () => {
    expect(predictions[0]).toBe(
      [
        'id',
        'label',
        'prediction',
        'confidence',
        ...Array.from({ length: 10 }, (_, k) => `p_${k}`),
      ].join(','),
    );
    const rows = predictions.slice(1).map((line) => line.split(','));
    expect(rows).toHaveLength(10000);
    const correct = rows.filter((r) => r[1] === r[2]).length;
    expect(correct / rows.length).toBeCloseTo(document.metrics.accuracy.value, 10);
    const meanConfidence = rows.reduce((s, r) => s + Number(r[3]), 0) / rows.length;
    expect(meanConfidence).toBeCloseTo(document.metrics.averageConfidence.value, 6);
  });

  it('exits 3 when ECE is above --fail-above-ece, 0 when below', async () => {
    const strict = await cli('demo', '--bootstrap', '0', '--fail-above-ece', '0');
    expect(strict.code).toBe(3);
    expect(strict.stderr).toMatch(/ECE .* is above --fail-above-ece 0/);
    const lenient = await cli('demo', '--bootstrap', '0', '--fail-above-ece', '100%');
    expect(lenient.code).toBe(0);
  }, 120_000);
});

describe('calibration-audit errors', () => {
  it('exits 2 with usage on a usage error', async () => {
    for (const args of [
      ['frobnicate'],
      ['audit', '--model', 'x'],
      ['demo', '--bins', 'many'],
      ['audit', '--nope'],
    ]) {
      const outcome = await cli(...args);
      expect(outcome.code, args.join(' ')).toBe(2);
      expect(outcome.stderr).toMatch(/Usage:/);
    }
  });

  it('exits 1 with one line naming the file on bad input', async () => {
    const model = path.join(dir, 'broken-model');
    await mkdir(model);
    await writeFile(path.join(model, 'model.json'), '{"modelTopology": ');
    const outcome = await cli('audit', '--model', model, '--data', 'resources/demo/test');
    expect(outcome.code).toBe(1);
    const lines = outcome.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(path.join(model, 'model.json'));
    expect(lines[0]).toMatch(/not valid JSON/);
  });

  it('exits 1 naming a test set that does not exist', async () => {
    const missing = path.join(dir, 'no-such-test-set');
    const outcome = await cli('audit', '--model', 'resources/demo/model', '--data', missing);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr.trim()).toMatch(new RegExp(`${missing}.*does not exist`));
  });

  it('prints help and version', async () => {
    expect((await cli('--help')).stdout).toMatch(
      /calibration-audit audit --model PATH --data PATH/,
    );
    expect((await cli('--version')).stdout.trim()).toBe(packageVersion);
  });
});

describe('calibration-audit audit: other model formats', () => {
  const fixtures = path.resolve('test/fixtures/models');
  const fashion = path.join(fixtures, 'fashion-200');

  it('audits a Keras 3 .keras file with --classes, as Keras computes it', async () => {
    const json = path.join(dir, 'keras.json');
    const names = 'tee,trouser,pullover,dress,coat,sandal,shirt,sneaker,bag,boot';
    const outcome = await cli(
      'audit',
      '--model',
      path.join(fixtures, 'keras3-cnn.keras'),
      '--data',
      fashion,
      '--classes',
      names,
      '--bootstrap',
      '20',
      '--json',
      json,
    );
    expect(outcome.code, outcome.stderr).toBe(0);
    const audit = JSON.parse(await readFile(json, 'utf8')) as AuditDocument;
    expect(audit.model!.format).toBe('keras');
    expect(audit.model!.classNames).toEqual(names.split(','));
    const expected = JSON.parse(await readFile(path.join(fixtures, 'expected.json'), 'utf8'))
      .models['keras3-cnn.keras'];
    expect(Math.abs(audit.metrics.ece.value - expected.ece)).toBeLessThan(1e-3);
    expect(Math.abs(audit.metrics.accuracy.value - expected.accuracy)).toBeLessThan(1e-3);
  });

  it('audits an ONNX scikit-learn pipeline on its CSV', async () => {
    const json = path.join(dir, 'onnx.json');
    const outcome = await cli(
      'audit',
      '--model',
      path.join(fixtures, 'sklearn-tabular.onnx'),
      '--data',
      path.join(fixtures, 'tabular.csv'),
      '--bootstrap',
      '20',
      '--json',
      json,
    );
    expect(outcome.code, outcome.stderr).toBe(0);
    const audit = JSON.parse(await readFile(json, 'utf8')) as AuditDocument;
    expect(audit.model).toMatchObject({ format: 'onnx', output: 'probabilities', inputShape: [6] });
  });

  it('exits 1 naming a PyTorch checkpoint by what it is, with the next step', async () => {
    const file = path.join(dir, 'model.pt');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE('archive/data.pkl'.length, 26);
    await writeFile(
      file,
      Buffer.concat([header, Buffer.from('archive/data.pkl'), Buffer.alloc(200, 0x80)]),
    );
    const outcome = await cli('audit', '--model', file, '--data', fashion);
    expect(outcome.code).toBe(1);
    const lines = outcome.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(file);
    expect(lines[0]).toMatch(/PyTorch checkpoint.*torch\.onnx\.export.*--scores/);
  });

  it('exits 2 on a --classes list with an empty name', async () => {
    const outcome = await cli('audit', '--model', 'x', '--data', 'y', '--classes', 'a,,b');
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/--classes must list at least two names/);
  });
});
