import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/core';
import type { AuditDocument } from '../../src/shared/audit-document';
import { cli, type CliOutcome } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

const FIXTURES = path.resolve('test/fixtures/scores');

let dir: string;
let demo: AuditDocument;
let again: CliOutcome;
let readBack: AuditDocument;

/** The demo's own --predictions file, audited again with --scores: the same metrics. */
beforeAll(async () => {
  dir = await tempDir();
  const predictions = path.join(dir, 'predictions.csv');
  const first = await cli(
    'demo',
    '--bootstrap',
    '200',
    '--json',
    path.join(dir, 'demo.json'),
    '--predictions',
    predictions,
  );
  expect(first.code, first.stderr).toBe(0);
  demo = JSON.parse(await readFile(path.join(dir, 'demo.json'), 'utf8'));
  again = await cli(
    'audit',
    '--scores',
    predictions,
    '--classes',
    demo.provenance.classNames.join(','),
    '--bootstrap',
    '200',
    '--json',
    path.join(dir, 'scores.json'),
    '--db',
    path.join(dir, 'history.sqlite'),
  );
  readBack = JSON.parse(await readFile(path.join(dir, 'scores.json'), 'utf8'));
}, 240_000);

describe('calibration-audit audit --scores', () => {
  it("reads the demo's --predictions output back to the same metrics and intervals", () => {
    expect(again.code, again.stderr).toBe(0);
    for (const name of METRIC_NAMES) {
      // NLL: the demo has true logits, the file probabilities, clipped at 1e-7 before the log.
      const digits = name === 'nll' ? 4 : 12;
      expect(readBack.metrics[name].value, name).toBeCloseTo(demo.metrics[name].value, digits);
      if (name !== 'nll')
        expect(readBack.metrics[name].ci95, name).toEqual(demo.metrics[name].ci95);
    }
    expect(readBack.bins).toEqual(demo.bins);
    expect(readBack.flags.samples.map((s) => s.id)).toEqual(demo.flags.samples.map((s) => s.id));
    expect(readBack.perClass.map((c) => c.className)).toEqual(
      demo.perClass.map((c) => c.className),
    );
    expect(readBack.verdict.kind).toBe(demo.verdict.kind);
  });

  it('says in the summary and the document that the source is a score file', () => {
    expect(again.stdout).toMatch(
      /^Scores\s+.*predictions\.csv \(csv, 10,000 samples, 10 classes, probabilities; no model\)/m,
    );
    expect(again.stdout).toMatch(/Columns\s+label label; scores p_0\.\.p_9/);
    expect(readBack.model).toBeNull();
    expect(readBack.scores).toMatchObject({
      format: 'csv',
      output: 'probabilities',
      labelColumn: 'label',
      numClasses: 10,
      name: 'predictions.csv',
    });
    expect(readBack.dataset).toMatchObject({ format: 'scores', sampleCount: 10000 });
    expect(readBack.provenance).toMatchObject({ backend: 'none', scaling: null });
  });

  it('saves it in the history, where it lists, shows, and compares with a score file of the same labels', async () => {
    const db = path.join(dir, 'history.sqlite');
    const list = await cli('history', 'list', '--db', db);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/predictions\.csv · \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    const shown = await cli(
      'history',
      'show',
      '1',
      '--db',
      db,
      '--json',
      path.join(dir, 'shown.json'),
    );
    expect(shown.code, shown.stderr).toBe(0);
    const saved = JSON.parse(await readFile(path.join(dir, 'shown.json'), 'utf8')) as AuditDocument;
    expect(saved.scores?.fingerprint).toBe(readBack.scores?.fingerprint);
    expect(saved.model).toBeNull();
    // Two score files with the same labels in the same order are the same test set: they compare.
    for (const file of ['logits.npz', 'npy']) {
      const saving = await cli(
        'audit',
        '--scores',
        path.join(FIXTURES, file),
        '--bootstrap',
        '0',
        '--db',
        db,
      );
      expect(saving.code, saving.stderr).toBe(0);
    }
    const compared = await cli('history', 'compare', '2', '3', '--db', db, '--bootstrap', '50');
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toMatch(/ECE/);
    const refused = await cli('history', 'compare', '1', '2', '--db', db);
    expect(refused.code).toBe(1);
  }, 60_000);

  it('audits NPZ, NPY, Parquet files and part folders', async () => {
    for (const file of ['logits.npz', 'npy', 'scores.parquet', 'parts']) {
      const outcome = await cli(
        'audit',
        '--scores',
        path.join(FIXTURES, file),
        '--bootstrap',
        '20',
        '--json',
        path.join(dir, 'f.json'),
      );
      expect(outcome.code, `${file}: ${outcome.stderr}`).toBe(0);
      const document = JSON.parse(await readFile(path.join(dir, 'f.json'), 'utf8'));
      expect(document.provenance.sampleCount).toBe(240);
    }
  }, 60_000);

  it('writes the PDF report of a score file: no model, the score file named, the same numbers', async () => {
    const pdf = path.join(dir, 'scores.pdf');
    const json = path.join(dir, 'parts.json');
    const outcome = await cli(
      'audit',
      '--scores',
      path.join(FIXTURES, 'parts'),
      '--bootstrap',
      '100',
      '--pdf',
      pdf,
      '--json',
      json,
    );
    expect(outcome.code, outcome.stderr).toBe(0);
    const document = JSON.parse(await readFile(json, 'utf8')) as AuditDocument;
    const { stdout: text } = await promisify(execFile)('pdftotext', ['-layout', pdf, '-']);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain(document.verdict.text.replace(/\s+/g, ' '));
    expect(flat).toContain('Score file');
    expect(flat).toContain('no model');
    expect(flat).toContain(document.provenance.modelFingerprint);
    expect(flat).not.toContain('pixel scaling');
  }, 120_000);

  it('exits 1 with one line naming the file and the row on a bad row', async () => {
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, 'label,p_0,p_1\n0,0.5,0.5\n1,0.7,0.7\n');
    const outcome = await cli('audit', '--scores', bad);
    expect(outcome.code).toBe(1);
    const lines = outcome.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${bad}: line 3: the probabilities sum to 1.4, not 1`);
  });

  it('exits 1 on a file that is not a score file, and 2 on --scores with --model', async () => {
    const outcome = await cli('audit', '--scores', path.join(FIXTURES, 'expected.json'));
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/expected\.json: is not a score file: expected a CSV/);
    const usage = await cli('audit', '--scores', 'x.csv', '--model', 'm');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--scores replaces --model and --data');
  });
});
