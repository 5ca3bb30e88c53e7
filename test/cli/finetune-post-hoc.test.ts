import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CALIBRATORS } from '../../src/core/calibrators/registry';
import type { PostHocDocument } from '../../src/shared/finetune-document';
import { cli, type CliOutcome } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

const SCORES = path.resolve('test/fixtures/scores');
const MODELS = path.resolve('test/fixtures/models');

let dir: string;
let run: CliOutcome;
let document: PostHocDocument;

/** The committed 240-row, 3-class logits score file (scripts/make-score-fixtures.py). */
beforeAll(async () => {
  dir = await tempDir();
  run = await cli(
    'calibrate',
    '--scores',
    path.join(SCORES, 'logits.csv'),
    '--bootstrap',
    '100',
    '--json',
    path.join(dir, 'post-hoc.json'),
  );
  document = JSON.parse(await readFile(path.join(dir, 'post-hoc.json'), 'utf8'));
}, 120_000);

/** The CSV's rows: labels and logits, in file order (row:1 is the first data row). */
async function readLogitsCsv(): Promise<{ labels: number[]; logits: number[][] }> {
  const lines = (await readFile(path.join(SCORES, 'logits.csv'), 'utf8')).trim().split('\n');
  const rows = lines.slice(1).map((line) => line.split(',').map(Number));
  return { labels: rows.map((r) => r[0]), logits: rows.map((r) => r.slice(1)) };
}

describe('calibration-audit calibrate --scores (the post-hoc arms alone)', () => {
  it('prints the arm table with every applicable calibrator and says why there is no fine-tune', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Post-hoc calibrators \(no fine-tune\)/);
    expect(run.stdout).toMatch(
      /Split {7}calibration 1\d\d, evaluation 1\d\d \(stratified, seed 0\)/,
    );
    expect(run.stdout).toMatch(/Why {9}A score file holds predictions, not the model/);
    for (const label of [
      'original',
      'temperature (T = ',
      'vector scaling',
      'matrix scaling (ODIR)',
      'Dirichlet calibration (ODIR)',
      'histogram binning',
      'isotonic regression',
    ]) {
      expect(run.stdout).toContain(label);
    }
    expect(run.stdout).not.toContain('Platt');
    expect(run.stdout).toContain('Change from the original (95% paired bootstrap interval');
    expect(run.stdout).toMatch(/- Best on NLL: .*; best on ECE: /);
  });

  it('writes a post-hoc document: every arm, its delta against the original, the best arms', () => {
    expect(document.schema).toBe('calibration-audit/post-hoc');
    expect(document.settings.input).toBe('logits');
    expect(document.settings.calibrators).toEqual([
      'temperature',
      'vector',
      'matrix',
      'dirichlet',
      'histogram',
      'isotonic',
    ]);
    expect(Object.keys(document.arms).sort()).toEqual(
      ['original', ...document.settings.calibrators].sort(),
    );
    expect(Object.keys(document.deltas).sort()).toEqual([...document.settings.calibrators].sort());
    const { calibration, evaluation } = document.split;
    expect(calibration.size + evaluation.size).toBe(240);
    expect(new Set([...calibration.ids, ...evaluation.ids]).size).toBe(240);
    for (const arm of document.settings.calibrators) {
      const d = document.deltas[arm]!.ece;
      expect(d.value).toBeCloseTo(
        document.arms[arm]!.metrics.ece.value - document.arms.original.metrics.ece.value,
        12,
      );
      expect(d.ci95[0]).toBeLessThanOrEqual(d.ci95[1]);
    }
    expect(document.settings.calibrators).toContain(document.best.nll.arm);
  });

  it('fits each map on the calibration half only: the same map as a fit on those rows', async () => {
    const { labels, logits } = await readLogitsCsv();
    const rows = document.split.calibration.ids.map((id) => Number(id.slice(4)) - 1);
    const data = {
      logits: Float64Array.from(rows.flatMap((i) => logits[i])),
      labels: Int32Array.from(rows, (i) => labels[i]),
      numClasses: 3,
    };
    for (const id of ['temperature', 'dirichlet'] as const) {
      const fitted = CALIBRATORS[id].fit(data);
      expect(document.arms[id]!.calibrator!.parameters).toEqual(
        JSON.parse(JSON.stringify(fitted.parameters)),
      );
    }
  });

  it('works on probabilities (log-probabilities stand in for logits), and after an audit with --calibrate', async () => {
    const json = path.join(dir, 'probs.json');
    const probs = await cli(
      'calibrate',
      '--scores',
      path.join(SCORES, 'probs.npz'),
      '--bootstrap',
      '0',
      '--json',
      json,
    );
    expect(probs.code, probs.stderr).toBe(0);
    const doc = JSON.parse(await readFile(json, 'utf8')) as PostHocDocument;
    expect(doc.settings.input).toBe('log-probabilities');
    expect(doc.scores?.format).toBe('npz');

    const audit = await cli(
      'audit',
      '--scores',
      path.join(SCORES, 'logits.csv'),
      '--bootstrap',
      '0',
      '--calibrate',
    );
    expect(audit.code, audit.stderr).toBe(0);
    const [auditPart, postHocPart] = audit.stdout.split('Post-hoc calibrators (no fine-tune)');
    expect(auditPart).toMatch(/ECE/);
    expect(postHocPart).toMatch(/Dirichlet calibration \(ODIR\)/);
  }, 60_000);

  it('runs on an ONNX model over its test set and says in one sentence why it is not fine-tuned', async () => {
    const json = path.join(dir, 'onnx.json');
    const onnx = await cli(
      'calibrate',
      '--model',
      path.join(MODELS, 'sklearn-tabular.onnx'),
      '--data',
      path.join(MODELS, 'tabular.csv'),
      '--bootstrap',
      '0',
      '--json',
      json,
    );
    expect(onnx.code, onnx.stderr).toBe(0);
    const doc = JSON.parse(await readFile(json, 'utf8')) as PostHocDocument;
    expect(doc.model?.format).toBe('onnx');
    expect(doc.settings.input).toBe('log-probabilities');
    expect(doc.finetuneNotOffered).toMatch(/^This model .*, so only post-hoc calibrators/);
    expect(doc.finetuneNotOffered.split('. ')).toHaveLength(1);
    expect(doc.split.calibration.size + doc.split.evaluation.size).toBe(200);
  }, 60_000);

  it('exits 2 on usage errors and 1 with one line on a bad score file', async () => {
    for (const args of [
      ['calibrate'],
      ['calibrate', '--scores', 'x.csv', '--pdf', 'y.pdf'],
      ['calibrate', '--scores', 'x.csv', '--model', 'm'],
      ['demo', '--calibrate'],
    ]) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/Usage:/);
    }
    const bad = path.join(SCORES, 'bad', 'label-out-of-range.npz');
    const result = await cli('calibrate', '--scores', bad);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('label-out-of-range.npz');
  });
});
