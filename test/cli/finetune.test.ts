import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/core';
import { selectBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/model/load-model';
import type { FinetuneDocument } from '../../src/shared/finetune-document';
import { folderFingerprint } from '../engine/finetune/fixtures';
import { cli, type CliOutcome } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

const DEMO = path.resolve('resources/demo');
const SLICE = 1200;

/** The first `count` images and labels of the demo test set, as uncompressed IDX files. */
async function writeDemoSlice(folder: string, count: number): Promise<string> {
  const images = gunzipSync(await readFile(path.join(DEMO, 'test/t10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(await readFile(path.join(DEMO, 'test/t10k-labels-idx1-ubyte.gz')));
  const imageHeader = Buffer.from(images.subarray(0, 16));
  imageHeader.writeUInt32BE(count, 4);
  const labelHeader = Buffer.from(labels.subarray(0, 8));
  labelHeader.writeUInt32BE(count, 4);
  const imagesFile = path.join(folder, 'slice-images-idx3-ubyte');
  await writeFile(imagesFile, Buffer.concat([imageHeader, images.subarray(16, 16 + count * 784)]));
  await writeFile(
    path.join(folder, 'slice-labels-idx1-ubyte'),
    Buffer.concat([labelHeader, labels.subarray(8, 8 + count)]),
  );
  return imagesFile;
}

let dir: string;
let slice: string;
let outcome: CliOutcome;
let document: FinetuneDocument;
let modelFingerprint: string;

beforeAll(async () => {
  dir = await tempDir();
  slice = await writeDemoSlice(dir, SLICE);
  modelFingerprint = await folderFingerprint(path.join(DEMO, 'model'));
  outcome = await cli(
    'finetune',
    '--model',
    path.join(DEMO, 'model'),
    '--data',
    slice,
    '--alpha',
    '0.05,0.2',
    '--epochs',
    '2',
    '--bootstrap',
    '200',
    '--json',
    path.join(dir, 'finetune.json'),
    '--out',
    path.join(dir, 'smoothed-model'),
  );
  document = JSON.parse(await readFile(path.join(dir, 'finetune.json'), 'utf8'));
}, 120_000);

describe('calibration-audit finetune on a slice of the demo', () => {
  it('exits 0 and prints the comparison table, the chosen alpha and the trade-offs', () => {
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/^original\s+\d+\.\d\d%\s+\d\.\d{4}\s+\d+\.\d\d%/m);
    expect(outcome.stdout).toMatch(/^control \(α = 0\)/m);
    expect(outcome.stdout).toMatch(new RegExp(`^smoothed \\(α = ${document.alpha}\\)`, 'm'));
    // A small calibration part is cautioned beside the temperature fitted on it.
    expect(outcome.stdout).toMatch(/^temperature \(T = \d+\.\d{3}(, from only [\d,]+ samples)?\)/m);
    // The change table: one row per compared arm, ECE first, with its paired interval.
    expect(outcome.stdout).toMatch(/^Arm\s+ECE\s+NLL\s+Accuracy/m);
    // Signed with a true minus; "no clear change" where the interval includes 0.
    expect(outcome.stdout).toMatch(
      new RegExp(
        `^smoothed \\(α = ${document.alpha}\\)\\s+(no clear change: )?[−+]?\\d+\\.\\d+ \\([−+]?\\d`,
        'm',
      ),
    );
    expect(outcome.stdout).toMatch(
      /^Dirichlet calibration \(ODIR\)\s+(no clear change: )?[−+]?\d+\.\d+ \([−+]?\d/m,
    );
    expect(outcome.stdout).not.toMatch(/-0\.00\b|±/);
    expect(outcome.stdout).toMatch(
      /^Alpha\s+(0\.05|0\.2) \(lowest calibration NLL of 0\.05, 0\.2\)/m,
    );
    for (const line of document.tradeOffs) expect(outcome.stdout).toContain(line);
    // One training-log line per epoch and fine-tune (control, 0.05, 0.2) on stderr.
    expect(outcome.stderr.match(/epoch \d: loss/g)).toHaveLength(6);
  });

  it('writes a document with every arm, every delta and the sweep', () => {
    expect(document.schema).toBe('calibration-audit/finetune');
    expect(document.schemaVersion).toBe(1);
    for (const arm of ['original', 'control', 'smoothed', 'temperature'] as const) {
      for (const name of METRIC_NAMES) {
        const metric = document.arms[arm].metrics[name];
        expect(metric.value === null || typeof metric.value === 'number', `${arm} ${name}`).toBe(
          true,
        );
      }
      expect(document.arms[arm].logitGap).not.toBeNull();
    }
    for (const arm of ['control', 'smoothed', 'temperature'] as const) {
      for (const name of METRIC_NAMES) {
        expect(document.deltas[arm][name].ci95, `${arm} ${name}`).toHaveLength(2);
      }
    }
    expect(document.sweep?.map((e) => e.alpha)).toEqual([0.05, 0.2]);
    expect(document.split.finetune.size + document.split.calibration.size).toBeGreaterThan(0);
    expect(
      document.split.finetune.size +
        document.split.calibration.size +
        document.split.evaluation.size,
    ).toBe(SLICE);
    expect(document.split.evaluation.ids[0]).toMatch(/^idx:\d+$/);
    expect(document.history).toHaveLength(6);
    expect(document.optimumLogitGap.value).toBeCloseTo(
      Math.log((1 - document.alpha + document.alpha / 10) / (document.alpha / 10)),
      10,
    );
    expect(document.provenance.backend).toBe('tensorflow');
    expect(document.provenance.modelFingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('finds the demo model overconfident: temperature T > 1', () => {
    expect(document.arms.temperature.temperature).toBeGreaterThan(1);
    expect(document.arms.temperature.metrics.accuracy.value).toBe(
      document.arms.original.metrics.accuracy.value,
    );
  });

  it('exports the smoothed model, loadable as a normal model, and leaves the demo untouched', async () => {
    expect(document.exportedModel).toBe(path.join(dir, 'smoothed-model'));
    await selectBackend('wasm');
    const exported = await loadModel(path.join(dir, 'smoothed-model'));
    expect(exported.info.output).toBe('softmax');
    expect(exported.info.classNames).toEqual(document.provenance.classNames);
    exported.dispose();
    expect(await folderFingerprint(path.join(DEMO, 'model'))).toBe(modelFingerprint);
  });
});

describe('calibration-audit finetune errors', () => {
  it('exits 2 with usage on a usage error', async () => {
    const cases = [
      ['finetune'],
      ['finetune', '--model', 'x'],
      ['finetune', '--demo', '--model', 'x'],
      ['finetune', '--demo', '--alpha', '1'],
      ['finetune', '--demo', '--alpha', '0.1,,0.2'],
      ['finetune', '--demo', '--layers', 'middle'],
      ['finetune', '--demo', '--learning-rate', '0'],
      ['finetune', '--demo', '--epochs', 'two'],
      ['finetune', '--demo', '--export-arm', 'control', '--out', 'x'],
      ['finetune', '--demo', '--export-arm', 'dirichlet'],
    ];
    const results = await Promise.all(cases.map((args) => cli(...args)));
    results.forEach((result, i) => {
      expect(result.code, cases[i].join(' ')).toBe(2);
      expect(result.stderr).toMatch(/Usage:/);
    });
  });

  it('exits 1 with one line naming a labelled set that does not exist', async () => {
    const missing = path.join(dir, 'no-such-data');
    const result = await cli('finetune', '--model', path.join(DEMO, 'model'), '--data', missing);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`${missing}.*does not exist`));
  });

  it('lists finetune in the help', async () => {
    const help = await cli('--help');
    expect(help.stdout).toMatch(/calibration-audit finetune --model PATH --data PATH/);
    expect(help.stdout).toMatch(/--alpha A/);
  });
});

describe('calibration-audit finetune on a Keras .h5 file', () => {
  it('fine-tunes, exports a TF.js folder, and the export audits', async () => {
    const fixtures = path.resolve('test/fixtures/models');
    const fashion = path.join(fixtures, 'fashion-200');
    const out = path.join(dir, 'keras-smoothed');
    const json = path.join(dir, 'keras-finetune.json');
    const run = await cli(
      'finetune',
      '--model',
      path.join(fixtures, 'keras3-cnn.h5'),
      '--data',
      fashion,
      '--epochs',
      '1',
      '--bootstrap',
      '20',
      '--out',
      out,
      '--json',
      json,
    );
    expect(run.code, run.stderr).toBe(0);
    const finetune = JSON.parse(await readFile(json, 'utf8')) as FinetuneDocument;
    expect(finetune.model.format).toBe('keras-h5');
    expect(finetune.exportedModel).toBe(out);
    const audit = await cli('audit', '--model', out, '--data', fashion, '--bootstrap', '20');
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/\(layers, 10 classes, output: softmax\)/);
  });

  it('--export-arm dirichlet exports the calibrated original, which audits as a softmax model', async () => {
    const fixtures = path.resolve('test/fixtures/models');
    const fashion = path.join(fixtures, 'fashion-200');
    const out = path.join(dir, 'keras-dirichlet');
    const json = path.join(dir, 'keras-dirichlet.json');
    const run = await cli(
      'finetune',
      '--model',
      path.join(fixtures, 'tfkeras-cnn.h5'),
      '--data',
      fashion,
      '--epochs',
      '1',
      '--bootstrap',
      '0',
      '--export-arm',
      'dirichlet',
      '--out',
      out,
      '--json',
      json,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Exported    ${out} (dirichlet arm)`);
    const finetune = JSON.parse(await readFile(json, 'utf8')) as FinetuneDocument;
    expect(finetune.exportedArm).toBe('dirichlet');
    const metadata = JSON.parse(await readFile(path.join(out, 'metadata.json'), 'utf8'));
    expect(metadata.calibration.parameters).toEqual(
      finetune.arms.dirichlet!.calibrator!.parameters,
    );
    const audit = await cli('audit', '--model', out, '--data', fashion, '--bootstrap', '0');
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/\(layers, 10 classes, output: softmax\)/);
  }, 120_000);
});
