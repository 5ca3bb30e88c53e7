import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES, topLabel } from '../../src/core';
import { runAudit, type AuditResult } from '../../src/engine/audit';
import { selectBackend } from '../../src/engine/backend';
import { InputError } from '../../src/engine/input-error';
import { openHistory, type History } from '../../src/storage';
import { dateTime } from '../../src/storage/sqlite-history';
import { Connection } from '../../src/storage/sqlite';
import { parseEstimates } from '../../src/storage/json';
import { tempDir } from '../helpers/temp-dir';
import { saveTinyModel } from '../helpers/tiny-models';
import { sameBytes, syntheticAudit, syntheticFinetune } from './fixtures';

let dir: string;
let csv: string;
let otherCsv: string;
let modelA: string;
let modelB: string;

function csvRows(count: number, shift: number): string {
  const rows = ['f1,f2,f3,f4,label'];
  for (let i = 0; i < count; i++) {
    const j = i + shift;
    rows.push(`${j % 7},${(j * 3) % 5},${j % 2},${(j % 11) / 10},${['a', 'b', 'c'][i % 3]}`);
  }
  return rows.join('\n') + '\n';
}

beforeAll(async () => {
  await selectBackend('cpu');
  dir = await tempDir('calibration-audit-storage-');
  csv = path.join(dir, 'test.csv');
  otherCsv = path.join(dir, 'other.csv');
  await writeFile(csv, csvRows(90, 0));
  await writeFile(otherCsv, csvRows(60, 5));
  modelA = path.join(dir, 'model-a');
  modelB = path.join(dir, 'model-b');
  await saveTinyModel(modelA, { classNames: ['a', 'b', 'c'], seed: 7 });
  await saveTinyModel(modelB, { classNames: ['a', 'b', 'c'], seed: 21 });
});

function audit(modelPath: string, dataPath: string, seed = 0): Promise<AuditResult> {
  return runAudit({ modelPath, dataPath, bootstrapResamples: 50, seed });
}

async function count(file: string, sql: string): Promise<number> {
  const connection = await Connection.open(file, true);
  try {
    const row = await connection.get<{ n: number }>(sql);
    return row?.n ?? -1;
  } finally {
    await connection.close();
  }
}

describe('audits', () => {
  let file: string;
  let history: History;
  beforeAll(async () => {
    file = path.join(dir, 'audits', 'history.sqlite');
    history = await openHistory(file);
  });
  afterAll(() => history.close());

  it('saves, lists and reads back the same document and per-sample arrays', async () => {
    const result = await audit(modelA, csv);
    const id = await history.saveAudit(result);
    expect(history.recoveredFrom).toBeNull();

    const list = await history.listAudits();
    expect(list).toHaveLength(1);
    const summary = list[0];
    expect(summary).toMatchObject({
      id,
      name: `model-a · test.csv · ${dateTime(result.document.provenance.createdAt)}`,
      created: result.document.provenance.createdAt,
      modelName: result.document.model!.name,
      modelFingerprint: result.document.provenance.modelFingerprint,
      testSetName: 'test.csv',
      datasetFingerprint: result.document.provenance.datasetFingerprint,
      sampleCount: 90,
      numClasses: 3,
      accuracy: result.document.metrics.accuracy.value,
      ece: result.document.metrics.ece.value,
      backend: 'cpu',
      appVersion: result.document.provenance.appVersion,
      verdict: result.document.verdict.kind,
    });

    const stored = await history.getAudit(id);
    expect(stored.summary).toEqual(summary);
    expect(stored.document).toEqual(result.document);
    const { samples } = stored;
    expect(samples.ids).toEqual(result.samples.ids);
    expect(samples.labels).toEqual(result.samples.labels);
    expect(samples.probs).toEqual(result.samples.probs);
    expect(samples.logits).toEqual(result.samples.logits);
    const top = topLabel(result.samples.probs, 3);
    expect(samples.predictions).toEqual(top.prediction);
    expect(Array.from(samples.confidence)).toEqual(Array.from(top.confidence));
    for (let i = 0; i < 90; i++) {
      expect(samples.trueClassProb[i]).toBe(result.samples.probs[i * 3 + result.samples.labels[i]]);
    }
    expect(samples.logitGap).toHaveLength(90);
    expect(Math.min(...(samples.logitGap ?? []))).toBeGreaterThanOrEqual(0);
  });

  it('filters by model and by test set, renames, and deletes with its samples and fine-tunes', async () => {
    const b = await history.saveAudit(await audit(modelB, csv), 'model B');
    const otherResult = await audit(modelA, otherCsv);
    const other = await history.saveAudit(otherResult, 'other test set');
    const all = await history.listAudits();
    expect(all.map((s) => s.id)).toContain(b);
    const [first] = all.filter((s) => s.name.startsWith('model-a · test.csv · '));
    const firstName = first.name;

    const byModel = await history.listAudits({ modelFingerprint: first.modelFingerprint });
    expect(byModel.map((s) => s.name).sort()).toEqual([firstName, 'other test set']);
    const byData = await history.listAudits({ datasetFingerprint: first.datasetFingerprint });
    expect(byData.map((s) => s.name).sort()).toEqual(['model B', firstName]);
    const both = await history.listAudits({
      modelFingerprint: first.modelFingerprint,
      datasetFingerprint: first.datasetFingerprint,
    });
    expect(both.map((s) => s.id)).toEqual([first.id]);

    // Default names are unique: the same model and test set in the same second gets " (2)".
    const twice = await audit(modelA, csv);
    const once = await history.saveAudit(twice);
    const again = await history.saveAudit(twice);
    const onceName = (await history.getAudit(once)).summary.name;
    const stamp = dateTime(twice.document.provenance.createdAt);
    expect(onceName).toMatch(new RegExp(`^model-a · test\\.csv · ${stamp}( \\(\\d+\\))?$`));
    const againName = (await history.getAudit(again)).summary.name;
    expect(againName).toMatch(new RegExp(`^model-a · test\\.csv · ${stamp} \\(\\d+\\)$`));
    expect(againName).not.toBe(onceName);
    await history.deleteAudit(again);
    await history.deleteAudit(once);

    await history.renameAudit(other, '  renamed  ');
    expect((await history.getAudit(other)).summary.name).toBe('renamed');
    await expect(history.renameAudit(other, '  ')).rejects.toThrow(/without a name/);
    await expect(history.renameAudit(999, 'x')).rejects.toThrow(/has no audit #999/);

    const finetune = await history.saveFinetune(syntheticFinetune(otherResult), {
      auditId: other,
    });
    expect(
      await count(file, `SELECT count(*) AS n FROM finetune_arms WHERE finetune_id = ${finetune}`),
    ).toBe(4);

    await history.deleteAudit(other);
    await expect(history.getAudit(other)).rejects.toThrow(InputError);
    await expect(history.getFinetune(finetune)).rejects.toThrow(/has no fine-tune/);
    expect(
      await count(file, `SELECT count(*) AS n FROM audit_samples WHERE audit_id = ${other}`),
    ).toBe(0);
    expect(await count(file, `SELECT count(*) AS n FROM finetunes WHERE id = ${finetune}`)).toBe(0);
    expect(
      await count(file, `SELECT count(*) AS n FROM finetune_arms WHERE finetune_id = ${finetune}`),
    ).toBe(0);
    await expect(history.deleteAudit(other)).rejects.toThrow(/has no audit/);
    expect((await history.listAudits()).map((s) => s.id)).not.toContain(other);
  });

  it('compares two audits of the same test set with paired-bootstrap deltas', async () => {
    const a = await history.saveAudit(await audit(modelA, csv), 'A');
    const b = await history.saveAudit(await audit(modelB, csv), 'B');
    const docA = (await history.getAudit(a)).document;
    const docB = (await history.getAudit(b)).document;
    const comparison = await history.compareAudits(a, b, { bootstrapResamples: 200, seed: 3 });
    expect(comparison.a.id).toBe(a);
    expect(comparison.b.id).toBe(b);
    expect(comparison).toMatchObject({
      sampleCount: 90,
      bins: 15,
      bootstrapResamples: 200,
      seed: 3,
    });
    for (const name of METRIC_NAMES) {
      const delta = comparison.deltas[name];
      const expected = docB.metrics[name].value - docA.metrics[name].value;
      if (Number.isNaN(expected)) continue;
      // The metrics recomputed from the stored arrays are the audits' own, to rounding.
      expect(delta.value).toBeCloseTo(expected, 10);
      expect(delta.ci95[0]).toBeLessThanOrEqual(delta.ci95[1]);
    }
    expect(comparison.deltas.accuracy.ci95[0]).toBeLessThanOrEqual(
      comparison.deltas.accuracy.value,
    );
    expect(comparison.deltas.accuracy.ci95[1]).toBeGreaterThanOrEqual(
      comparison.deltas.accuracy.value,
    );

    const self = await history.compareAudits(a, a, { bootstrapResamples: 20 });
    expect(self.deltas.ece).toEqual({ value: 0, ci95: [0, 0] });
  });

  it('refuses to compare audits of different test sets, naming both', async () => {
    const a = await history.saveAudit(await audit(modelA, csv), 'on test');
    const c = await history.saveAudit(await audit(modelA, otherCsv), 'on other');
    const error = await history.compareAudits(a, c).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).file).toBe(file);
    expect((error as InputError).message).toContain(`audit #${a} "on test"`);
    expect((error as InputError).message).toContain(`audit #${c} "on other"`);
    expect((error as InputError).message).toMatch(/different test sets \("test.csv".*"other.csv"/);
  });

  it('refuses audits whose test sets share a fingerprint but not their samples', async () => {
    const a = await history.saveAudit(syntheticAudit({ seed: 1, datasetFingerprint: 'same' }));
    const b = await history.saveAudit(syntheticAudit({ seed: 2, datasetFingerprint: 'same' }));
    await expect(history.compareAudits(a, b)).rejects.toThrow(/not the same samples/);
  });
});

describe('trend', () => {
  it('lists the audits of one model over time with accuracy, ECE and NLL intervals', async () => {
    const history = await openHistory(path.join(dir, 'trend.sqlite'));
    try {
      const results: AuditResult[] = [];
      for (const [data, seed] of [
        [csv, 0],
        [otherCsv, 1],
        [csv, 2],
      ] as const) {
        const result = await audit(modelA, data, seed);
        results.push(result);
        await history.saveAudit(result);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await history.saveAudit(await audit(modelB, csv));
      const fingerprint = results[0].document.provenance.modelFingerprint;
      const trend = await history.trend(fingerprint);
      expect(trend).toHaveLength(3);
      expect(trend.map((p) => p.created)).toEqual(
        results.map((r) => r.document.provenance.createdAt),
      );
      expect(trend.map((p) => p.testSetName)).toEqual(['test.csv', 'other.csv', 'test.csv']);
      trend.forEach((point, i) => {
        const metrics = results[i].document.metrics;
        expect(point.accuracy).toEqual(metrics.accuracy);
        expect(point.ece).toEqual(metrics.ece);
        expect(point.nll).toEqual(metrics.nll);
        expect(point.ece.ci95[0]).toBeLessThanOrEqual(point.ece.ci95[1]);
        expect(point.sampleCount).toBe(results[i].document.sampleCount);
      });
      expect(await history.trend('no-such-model')).toEqual([]);
    } finally {
      await history.close();
    }
  });
});

describe('fine-tunes', () => {
  it('saves, lists, reads back, renames and deletes a fine-tune', async () => {
    const file = path.join(dir, 'finetunes.sqlite');
    const history = await openHistory(file);
    try {
      const source = syntheticAudit();
      const auditId = await history.saveAudit(source);
      const document = syntheticFinetune(source, { alpha: 0.1 });
      const id = await history.saveFinetune(document, { auditId });
      const unlinked = await history.saveFinetune(
        syntheticFinetune(source, {
          alpha: 0.2,
          exportedModel: null,
          createdAt: '2025-03-01T00:00:00.000Z',
        }),
      );

      const list = await history.listFinetunes();
      expect(list.map((f) => f.id)).toEqual([unlinked, id]);
      const summary = list[1];
      expect(summary).toMatchObject({
        id,
        name: 'synthetic-model fine-tuned (α = 0.1)',
        created: '2025-02-01T00:00:00.000Z',
        auditId,
        modelName: 'synthetic-model',
        modelFingerprint: 'model-fingerprint-a',
        datasetFingerprint: 'dataset-fingerprint-a',
        trainDatasetFingerprint: null,
        alpha: 0.1,
        epochs: 3,
        layers: 'head',
        split: { source: 'split', finetune: 16, calibration: 8, evaluation: 8 },
        exportedModel: '/models/smoothed',
      });
      expect(Object.keys(summary.arms).sort()).toEqual([
        'control',
        'original',
        'smoothed',
        'temperature',
      ]);
      expect(summary.arms.smoothed).toEqual({
        label: 'label smoothing (α = 0.1)',
        alpha: 0.1,
        temperature: null,
        accuracy: document.arms.smoothed.metrics.accuracy.value,
        ece: document.arms.smoothed.metrics.ece.value,
        nll: document.arms.smoothed.metrics.nll.value,
      });
      expect(summary.arms.temperature?.temperature).toBe(1.4);
      expect(list[0].exportedModel).toBeNull();
      expect(list[0].auditId).toBeNull();

      expect((await history.listFinetunes({ auditId })).map((f) => f.id)).toEqual([id]);
      expect((await history.listFinetunes({ modelFingerprint: 'other' })).length).toBe(0);

      const stored = await history.getFinetune(id);
      expect(stored.summary).toEqual(summary);
      expect(stored.document).toEqual(document);
      expect(Number.isNaN(stored.history[3].loss)).toBe(true);
      expect(stored.history).toEqual(document.history);

      await history.renameFinetune(id, 'smoothing 0.1');
      expect((await history.getFinetune(id)).summary.name).toBe('smoothing 0.1');
      await history.recordFinetuneExport(unlinked, '/home/me/models/smoothed-0.2');
      const exported = await history.getFinetune(unlinked);
      expect(exported.summary.exportedModel).toBe('/home/me/models/smoothed-0.2');
      expect(exported.document.exportedModel).toBe('/home/me/models/smoothed-0.2');
      await expect(history.recordFinetuneExport(999, '/x')).rejects.toThrow(/has no fine-tune/);
      await history.deleteFinetune(unlinked);
      expect((await history.listFinetunes()).map((f) => f.id)).toEqual([id]);
      await expect(history.deleteFinetune(unlinked)).rejects.toThrow(/has no fine-tune/);
    } finally {
      await history.close();
    }
  });

  it('keeps every post-hoc arm of a fine-tune (arms as data; old four-arm ones read as before)', async () => {
    const history = await openHistory(path.join(dir, 'finetune-arms.sqlite'));
    try {
      const source = syntheticAudit();
      const document = syntheticFinetune(source);
      for (const id of ['dirichlet', 'isotonic'] as const) {
        document.arms[id] = {
          ...document.arms.temperature,
          name: id,
          label: `original with ${id}`,
          temperature: null,
          calibrator: {
            id,
            name: id,
            family: id === 'isotonic' ? 'binning' : 'scaling',
            reference: 'test',
            summary: 'fitted',
            parameters: { lambda: 0.01, values: [[0, 0.5, 1]] },
          },
        };
        document.deltas[id] = document.deltas.temperature;
      }
      const id = await history.saveFinetune(document);
      const stored = await history.getFinetune(id);
      expect(stored.document).toEqual(document);
      expect(Object.keys(stored.summary.arms).sort()).toEqual([
        'control',
        'dirichlet',
        'isotonic',
        'original',
        'smoothed',
        'temperature',
      ]);
      expect(stored.summary.arms.dirichlet?.ece).toBe(document.arms.dirichlet!.metrics.ece.value);
      expect(stored.summary.arms.isotonic?.temperature).toBeNull();
    } finally {
      await history.close();
    }
  });

  it('refuses to link a fine-tune to an audit of another model', async () => {
    const history = await openHistory(path.join(dir, 'finetune-link.sqlite'));
    try {
      const auditId = await history.saveAudit(syntheticAudit({ modelFingerprint: 'model-x' }));
      const document = syntheticFinetune(syntheticAudit({ modelFingerprint: 'model-y' }));
      await expect(history.saveFinetune(document, { auditId })).rejects.toThrow(
        /cannot link the fine-tune of model model-y to audit #1/,
      );
      await expect(history.saveFinetune(document, { auditId: 42 })).rejects.toThrow(
        /has no audit #42/,
      );
      expect(await history.listFinetunes()).toEqual([]);
    } finally {
      await history.close();
    }
  });
});

describe('per-sample storage', () => {
  it('keeps 60,000 samples of 10 classes in about 6 MB and reads them back unchanged', async () => {
    const file = path.join(dir, 'large.sqlite');
    const history = await openHistory(file);
    try {
      const result = syntheticAudit({ n: 60_000, k: 10, bootstrapResamples: 0 });
      const id = await history.saveAudit(result);
      const stored = await history.getAudit(id);
      expect(sameBytes(stored.samples.probs, result.samples.probs)).toBe(true);
      expect(sameBytes(stored.samples.logits ?? new Float32Array(), result.samples.logits!)).toBe(
        true,
      );
      expect(sameBytes(stored.samples.labels, result.samples.labels)).toBe(true);
      expect(stored.samples.ids).toHaveLength(60_000);
      expect(stored.samples.ids[59_999]).toBe('row:60000');
      // 5 arrays of n 4-byte values + ids + probs and logits (n*K float32 each).
      const bytes = await history
        .close()
        .then(() => stat(file))
        .then((s) => s.size);
      expect(bytes).toBeLessThan(60_000 * (5 * 4 + 10 + 2 * 10 * 4) * 1.15);
    } finally {
      await history.close();
    }
  });

  it('restores NaN metrics (the AUROC when every prediction is right)', async () => {
    const history = await openHistory(path.join(dir, 'nan.sqlite'));
    try {
      const result = syntheticAudit({ margin: 60 });
      expect(result.document.metrics.misclassificationAuroc.value).toBeNaN();
      const id = await history.saveAudit(result);
      const stored = await history.getAudit(id);
      expect(stored.document.metrics.misclassificationAuroc.value).toBeNaN();
      expect(stored.document.metrics.misclassificationAuroc.ci95[0]).toBeNaN();
      expect(stored.document).toEqual(result.document);
    } finally {
      await history.close();
    }
  });

  it('refuses inconsistent per-sample arrays before writing', async () => {
    const history = await openHistory(path.join(dir, 'shapes.sqlite'));
    try {
      const result = syntheticAudit();
      const cut = {
        ...result,
        samples: { ...result.samples, probs: result.samples.probs.subarray(1) },
      };
      await expect(history.saveAudit(cut)).rejects.toThrow(RangeError);
      expect(await history.listAudits()).toEqual([]);
    } finally {
      await history.close();
    }
  });
});

describe('score-file audits (no model)', () => {
  it('are saved with the score file in the model slot, read back whole, and compare on the same labels', async () => {
    const dir = await tempDir();
    const history = await openHistory(path.join(dir, 'scores.sqlite'));
    try {
      const fixtures = path.resolve('test/fixtures/scores');
      const a = await runAudit({
        scoresPath: path.join(fixtures, 'logits.npz'),
        bootstrapResamples: 0,
      });
      const b = await runAudit({ scoresPath: path.join(fixtures, 'npy'), bootstrapResamples: 0 });
      const idA = await history.saveAudit(a);
      const idB = await history.saveAudit(b);
      const [listedB, listedA] = await history.listAudits();
      expect(listedA).toMatchObject({
        id: idA,
        name: `logits.npz · ${dateTime(a.document.provenance.createdAt)}`,
        modelName: 'logits.npz',
        modelFingerprint: a.document.scores?.fingerprint,
      });
      expect(listedB.modelName).toBe('npy');
      const stored = await history.getAudit(idA);
      // Undefined numbers (the MCE has no interval) come back as NaN, as the document had them.
      expect(stored.document).toEqual(parseEstimates(JSON.stringify(a.document)));
      expect(stored.document.model).toBeNull();
      expect(sameBytes(stored.samples.logits!, a.samples.logits!)).toBe(true);
      // probabilities only: no logits stored.
      expect((await history.getAudit(idB)).samples.logits).toBeNull();
      const comparison = await history.compareAudits(idA, idB, { bootstrapResamples: 20 });
      expect(comparison.deltas.accuracy.value).toBeCloseTo(0, 12);
      expect(
        (await history.trend(a.document.provenance.modelFingerprint)).map((p) => p.id),
      ).toEqual([idA]);
    } finally {
      await history.close();
    }
  });
});
