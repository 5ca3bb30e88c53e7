import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import type { AuditView, HostEvent, InspectProgressEvent, InputRef } from '../../src/shared/api';
import type { FinetuneDocument } from '../../src/shared/finetune-document';
import { RESOURCES_DIR } from '../../src/engine/demo';
import { EngineClient } from '../../src/engine/worker/engine-client';
import { AppHistory } from '../../src/host/app-history';
import {
  createAppService,
  pdfFileName,
  userName,
  type AppService,
} from '../../src/host/app-service';
import { demoInputs } from '../../src/host/demo-inputs';
import { FileGrants } from '../../src/host/file-grants';
import { Connection } from '../../src/storage/sqlite';
import { tempDir } from '../helpers/temp-dir';
import { saveBatchNormModel, writeBlobsCsv } from '../engine/finetune/fixtures';

/** The app's service with a real engine (worker thread) and a real history file. */
let engine: EngineClient;
let history: AppHistory;
let service: AppService;
let model: InputRef;
let testSet: InputRef;
let grants: FileGrants;
const events: HostEvent[] = [];
const waiters: (() => void)[] = [];

beforeAll(async () => {
  const dir = await tempDir();
  model = { path: path.join(dir, 'model'), label: 'model' };
  testSet = { path: path.join(dir, 'labelled.csv'), label: 'labelled.csv' };
  await saveBatchNormModel(model.path);
  await writeBlobsCsv(testSet.path, 400, { seed: 5 });
  engine = new EngineClient();
  history = await AppHistory.open(path.join(dir, 'history.sqlite'));
  // As a host does when the user drops or chooses them.
  grants = new FileGrants();
  await grants.grant(model.path);
  await grants.grant(testSet.path);
  service = createAppService({
    engine,
    demo: demoInputs(RESOURCES_DIR),
    stagingDir: path.join(dir, 'staging'),
    history,
    grants,
    emit: (event) => {
      events.push(event);
      waiters.splice(0).forEach((wake) => wake());
    },
  });
});

afterAll(async () => {
  await engine.close();
  await history.close();
});

/** Waits for the event that ends a task. */
async function outcomeOf(id: string): Promise<HostEvent> {
  for (;;) {
    const found = events.find(
      (e) =>
        ('auditId' in e && e.auditId === id && e.type !== 'progress') ||
        ('finetuneId' in e && e.finetuneId === id && e.type !== 'finetune-progress'),
    );
    if (found) return found;
    await new Promise<void>((resolve) => waiters.push(resolve));
  }
}

async function audit(seed: number, bins = 15): Promise<AuditView> {
  const { auditId } = await service.startAudit({
    model,
    testSet,
    seed,
    bins,
    bootstrapResamples: 100,
  });
  const event = await outcomeOf(auditId);
  if (event.type !== 'done') throw new Error(`audit ended with ${JSON.stringify(event)}`);
  return event.audit;
}

describe('the app service and the history', () => {
  let first: AuditView;
  let second: AuditView;
  let finetune: FinetuneDocument;

  beforeAll(async () => {
    first = await audit(1);
    second = await audit(2, 10);
  }, 120_000);

  it('saves every finished audit and says as what', async () => {
    expect(first.history).toEqual({ saved: true, historyId: 1 });
    expect(second.history).toEqual({ saved: true, historyId: 2 });
    const listed = await service.listAudits();
    expect(listed.map((a) => a.id)).toEqual([2, 1]);
    expect(listed[1].accuracy).toBeCloseTo(first.document.metrics.accuracy.value, 12);
    expect(await service.historyStatus()).toMatchObject({ state: 'ready', notice: null });
  });

  it('reopens a saved audit as it was shown, without running the model', async () => {
    const saved = await service.openSavedAudit(1);
    expect(saved.audit.document).toEqual(first.document);
    expect(saved.audit.confidences).toEqual(first.confidences);
    expect(saved.audit.correct).toEqual(first.correct);
    expect(saved.audit.history).toEqual({ saved: true, historyId: 1 });
    expect(saved.inputs).toEqual({ model, testSet });
    expect(saved.finetunes).toEqual([]);
    // Its report can be exported like a fresh one's.
    expect(service.auditReport(saved.audit.auditId)?.audit.document).toEqual(first.document);
  });

  it('names the audit as the user named its inputs, and details a sample (live and reopened)', async () => {
    expect(first.document.names).toEqual({ model: 'model', testSet: 'labelled.csv' });
    const listed = await service.listAudits();
    expect(listed[1].name).toMatch(/^model · labelled\.csv · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    expect(listed[0].name).not.toBe(listed[1].name);

    // The blobs CSV names its rows s0, s1, …
    const sample = first.document.flags.samples[0] ?? { id: 's0' };
    const live = await service.sampleDetail(first.auditId, sample.id);
    expect(live.id).toBe(sample.id);
    expect(live.top.length).toBe(Math.min(5, first.document.numClasses));
    expect(live.top[0].probability).toBeCloseTo(first.confidences[live.index], 6);
    expect(live.prediction).toBe(live.top[0].classIndex);
    for (let i = 1; i < live.top.length; i++)
      expect(live.top[i].probability).toBeLessThanOrEqual(live.top[i - 1].probability);
    // A CSV row as written: its feature columns and its label.
    expect(live.values?.at(-1)?.column).toBe('label');
    // Reopened from the history: the same detail, read from the saved samples.
    const saved = await service.openSavedAudit(1);
    expect(await service.sampleDetail(saved.audit.auditId, sample.id)).toEqual(live);
    await expect(service.sampleDetail(first.auditId, 'row:999999')).rejects.toThrow(
      /has no sample/,
    );
    await expect(service.sampleDetail('audit-unknown', 'row:1')).rejects.toThrow(/no longer kept/);
  });

  it('names a model dropped as loose files by its own name', () => {
    expect(userName({ path: '/x', label: '3 dropped files' })).toBeUndefined();
    expect(userName({ path: '/x', label: 'model upload' })).toBeUndefined();
    expect(userName({ path: '/x', label: 'model' })).toBeUndefined();
    expect(userName({ path: '/x', label: 'model.json' })).toBeUndefined();
    expect(userName({ path: '/x', label: ' tm-my-image-model ' })).toBe('tm-my-image-model');
  });

  it('compares two audits of the same test set, paired, in the engine', async () => {
    const comparison = await service.compareAudits(1, 2);
    expect(comparison.a.id).toBe(1);
    expect(comparison.b.id).toBe(2);
    expect(comparison.sampleCount).toBe(400);
    expect(comparison.documents.b).toEqual(second.document);
    // The same model on the same samples: accuracy cannot differ.
    expect(comparison.deltas.accuracy).toEqual({ value: 0, ci95: [0, 0] });
    // b − a of ECE as each audit measured it, both with 15 bins (a's bin count).
    expect(comparison.bins).toBe(15);
    expect(comparison.deltas.nll.value).toBeCloseTo(0, 9);
  });

  it('shows the trend of one model', async () => {
    const points = await service.auditTrend(first.document.model!.fingerprint);
    expect(points.map((p) => p.id)).toEqual([1, 2]);
    expect(points[0].ece.value).toBeCloseTo(first.document.metrics.ece.value, 12);
  });

  it('saves a fine-tune linked to the audit it started from, and includes it in that report', async () => {
    const { finetuneId } = await service.startFinetune({
      model,
      testSet,
      alpha: 0.1,
      epochs: 1,
      seed: 3,
      fromAudit: first.auditId,
    });
    const event = await outcomeOf(finetuneId);
    if (event.type !== 'finetune-done') throw new Error(JSON.stringify(event));
    finetune = event.finetune;
    expect(event.history).toEqual({ saved: true, historyId: 1 });
    expect(service.auditReport(first.auditId)?.finetune).toEqual(finetune);

    const reopened = await service.openSavedAudit(1);
    expect(reopened.finetunes.map((f) => [f.id, f.auditId, f.alpha])).toEqual([[1, 1, 0.1]]);
    expect(service.auditReport(reopened.audit.auditId)?.finetune).toEqual(finetune);
    const saved = await service.openSavedFinetune(1);
    expect(saved.document).toEqual(finetune);
    expect(saved.inputs).toEqual({ model, testSet });
    await service.renameFinetune(1, 'smoothed head');
    expect((await service.listFinetunes()).map((f) => [f.id, f.name, f.auditId])).toEqual([
      [1, 'smoothed head', 1],
    ]);

    // The staging folder is not an export; where the user put the model is recorded when they do.
    expect(finetune.exportedModel).toBeNull();
    expect(service.finetunedModelFolder(finetuneId)).toMatch(/staging/);
    // Every post-hoc arm is staged as the original with its map, ready to export.
    for (const arm of ['temperature', 'vector', 'matrix', 'dirichlet', 'histogram', 'isotonic']) {
      const folder = service.finetunedModelFolder(finetuneId, arm);
      expect(folder, arm).toMatch(new RegExp(`staging.*${arm}$`));
      const metadata = JSON.parse(await readFile(path.join(folder!, 'metadata.json'), 'utf8'));
      expect(metadata.calibration.parameters).toEqual(
        finetune.arms[arm as 'vector']!.calibrator!.parameters,
      );
    }
    // Platt is for binary models only; the original and the control are not offered.
    for (const arm of ['platt', 'original', 'control', '../x']) {
      expect(service.finetunedModelFolder(finetuneId, arm), arm).toBeNull();
    }
    await service.recordExport(finetuneId, '/home/me/models/smoothed');
    expect((await service.listFinetunes())[0].exportedModel).toBe('/home/me/models/smoothed');
    expect((await service.openSavedFinetune(1)).document.exportedModel).toBe(
      '/home/me/models/smoothed',
    );
  }, 120_000);

  it('renames and deletes; deleting an audit takes its fine-tunes with it', async () => {
    await service.renameAudit(2, '  ten bins  ');
    await service.deleteAudit(1);
    const listed = await service.listAudits();
    expect(listed.map((a) => [a.id, a.name])).toEqual([[2, 'ten bins']]);
    expect(await service.listFinetunes()).toEqual([]);
    await expect(service.openSavedFinetune(1)).rejects.toThrow(/fine-tune #?1/);
    await expect(service.openSavedAudit(1)).rejects.toThrow(/audit #?1/);
  });

  it('deletes a fine-tune on its own, leaving its audit', async () => {
    const id = await history.get().saveFinetune(finetune, { auditId: 2 });
    await service.deleteFinetune(id);
    expect(await service.listFinetunes()).toEqual([]);
    expect((await service.listAudits()).map((a) => a.id)).toEqual([2]);
  });

  it('reopens a saved audit whose test set has moved, and says which file is gone', async () => {
    const moved = `${testSet.path}.moved`;
    await rename(testSet.path, moved);
    try {
      const saved = await service.openSavedAudit(2);
      expect(saved.missing).toEqual(['testSet']);
      expect(saved.audit.document).toEqual(second.document);
    } finally {
      await rename(moved, testSet.path);
    }
    expect((await service.openSavedAudit(2)).missing).toEqual([]);
  });
});

describe('an audit and a fine-tune the history could not take', () => {
  it('stays as it was shown, says why, and is saved again once the history opens', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'history.sqlite');
    const newer = await Connection.open(file, false);
    await newer.exec('PRAGMA user_version = 999');
    await newer.close();
    const refused = await AppHistory.open(file);
    const local: HostEvent[] = [];
    const service2 = createAppService({
      engine,
      demo: demoInputs(RESOURCES_DIR),
      stagingDir: path.join(dir, 'staging'),
      history: refused,
      grants,
      emit: (event) => local.push(event),
    });
    try {
      const { auditId } = await service2.startAudit({ model, testSet, bootstrapResamples: 50 });
      await expect
        .poll(() => local.find((e) => e.type === 'done'), { timeout: 60_000 })
        .toBeTruthy();
      const done = local.find((e) => e.type === 'done');
      if (done?.type !== 'done') throw new Error('no done event');
      expect(done.audit.history).toEqual({
        saved: false,
        reason: expect.stringMatching(/was written by a newer version of Calibration Audit/),
      });

      // Still refused: the same reason, nothing lost.
      expect(await service2.saveAuditAgain(auditId)).toMatchObject({ saved: false });

      // A fine-tune started from it meanwhile is refused too.
      const { finetuneId } = await service2.startFinetune({
        model,
        testSet,
        alpha: 0.1,
        epochs: 1,
        fromAudit: auditId,
      });
      await expect
        .poll(() => local.find((e) => e.type === 'finetune-done'), { timeout: 60_000 })
        .toBeTruthy();
      const finetuned = local.find((e) => e.type === 'finetune-done');
      if (finetuned?.type !== 'finetune-done') throw new Error('no finetune-done event');
      expect(finetuned.history).toMatchObject({ saved: false });

      const fixed = await Connection.open(file, false);
      await fixed.exec('PRAGMA user_version = 0');
      await fixed.close();
      expect(await service2.saveAuditAgain(auditId)).toEqual({ saved: true, historyId: 1 });
      // Saved once: asking again answers with the same record.
      expect(await service2.saveAuditAgain(auditId)).toEqual({ saved: true, historyId: 1 });
      expect(service2.auditReport(auditId)?.audit.history).toEqual({ saved: true, historyId: 1 });
      // The fine-tune, saved after its audit, is linked to it.
      expect(await service2.saveFinetuneAgain(finetuneId)).toEqual({ saved: true, historyId: 1 });
      expect(await service2.saveFinetuneAgain(finetuneId)).toEqual({ saved: true, historyId: 1 });
      expect((await service2.listFinetunes()).map((f) => [f.id, f.auditId])).toEqual([[1, 1]]);
      await expect(service2.saveFinetuneAgain('finetune-unknown')).rejects.toThrow(
        /is no longer kept/,
      );
      const listed = await service2.listAudits();
      expect(listed.map((a) => [a.id, a.sampleCount])).toEqual([[1, 400]]);
      await expect(service2.saveAuditAgain('audit-unknown')).rejects.toThrow(/is no longer kept/);
    } finally {
      await refused.close();
    }
  }, 120_000);
});

describe('a score file audited on its own', () => {
  const scores = { path: path.resolve('test/fixtures/scores/parts'), label: 'parts' };
  // As if dropped: the service opens only what was granted.
  beforeAll(() => grants.grant(path.resolve('test/fixtures/scores')));

  it('is told from a model and a test set by its name and first bytes', async () => {
    expect(await service.scoreFileFormat(scores)).toBe('parquet');
    expect(
      await service.scoreFileFormat({
        path: path.resolve('test/fixtures/scores/probs.npz'),
        label: '',
      }),
    ).toBe('npz');
    // A tabular test set (feature columns + label) is not a score file; nor is a model folder.
    expect(await service.scoreFileFormat(testSet)).toBeNull();
    expect(await service.scoreFileFormat(model)).toBeNull();
  });

  it('is audited, saved and reopened without a model, and has no thumbnails', async () => {
    const { auditId } = await service.startAudit({ scores, bootstrapResamples: 50 });
    const event = await outcomeOf(auditId);
    if (event.type !== 'done') throw new Error(`audit ended with ${JSON.stringify(event)}`);
    const { document, history: saved } = event.audit;
    expect(document.model).toBeNull();
    expect(document.scores).toMatchObject({ format: 'parquet', output: 'logits', name: 'parts' });
    expect(document.provenance.sampleCount).toBe(240);
    if (!saved.saved) throw new Error(`not saved: ${JSON.stringify(saved)}`);
    const reopened = await service.openSavedAudit(saved.historyId);
    expect(reopened.audit.document).toEqual(document);
    expect(reopened.summary.modelName).toBe('parts');
    expect(reopened.inputs).toEqual({ model: scores, testSet: scores });
    expect(reopened.missing).toEqual([]);
    expect(await service.thumbnail(scores, scores, 'row:1')).toBeNull();
    expect(pdfFileName(service.auditReport(auditId)!)).toBe('parts-calibration-audit.pdf');
    expect(service.auditReport(auditId)).toMatchObject({ model: null, testSet: null });

    // Fine-tuning is not offered; the post-hoc calibrators alone are, on the same scores.
    const postHoc = await service.comparePostHoc(auditId);
    expect(postHoc.schema).toBe('calibration-audit/post-hoc');
    expect(postHoc.finetuneNotOffered).toMatch(/^A score file holds predictions, not the model/);
    expect(postHoc.split.calibration.size + postHoc.split.evaluation.size).toBe(240);
    expect(Object.keys(postHoc.arms).sort()).toEqual([
      'dirichlet',
      'histogram',
      'isotonic',
      'matrix',
      'original',
      'temperature',
      'vector',
    ]);
    expect(postHoc.settings.bootstrapResamples).toBe(50);
    await expect(service.comparePostHoc('audit-0-0')).rejects.toThrow(/run the audit again/);
  }, 60_000);

  it('fails with one message naming the file and the row', async () => {
    const bad = {
      path: path.resolve('test/fixtures/scores/bad/sum.parquet'),
      label: 'sum.parquet',
    };
    const { auditId } = await service.startAudit({ scores: bad });
    const event = await outcomeOf(auditId);
    expect(event).toMatchObject({
      type: 'failed',
      error: { kind: 'input', message: expect.stringMatching(/sum\.parquet: row 20 \(index 19\)/) },
    });
  });
});

describe('inputs inspected before an audit', () => {
  it('shows a CSV test set with its label column, features and class mapping; a chosen column is used', async () => {
    const preview = await service.previewCsv(testSet, model);
    expect(preview).not.toBeNull();
    expect(preview?.labelColumn).toBe('label');
    expect(preview?.labelGuessed).toBe(true);
    expect(preview?.featureColumns).toHaveLength(preview?.expectedFeatures ?? -1);
    expect(preview?.problems).toEqual([]);
    expect(preview?.mapping.every((m) => m.classIndex !== null)).toBe(true);
    // A column that holds no labels: its values are named as unknown, nothing is thrown.
    const wrong = await service.previewCsv(testSet, model, preview?.featureColumns[0]);
    expect(wrong?.unknownLabels.length).toBeGreaterThan(0);
    expect(wrong?.problems.length).toBeGreaterThan(0);
    await expect(service.inspectTestSet(testSet, model, 'nope')).rejects.toThrow(
      /has no column "nope"/,
    );
    // Not a CSV: no preview.
    expect(
      await service.previewCsv({ path: demoInputs(RESOURCES_DIR).testSet.path, label: '' }, model),
    ).toBeNull();
  });

  it('reports the files of an image folder read while it is inspected', async () => {
    const folder = path.join(await tempDir(), 'photos');
    const png = new PNG({ width: 2, height: 2 });
    png.data.fill(200);
    for (const label of ['0', '1', '2']) {
      for (const name of ['a.png', 'b.png']) {
        await mkdir(path.join(folder, label), { recursive: true });
        await writeFile(path.join(folder, label, name), PNG.sync.write(png));
      }
    }
    await grants.grant(folder);
    const before = events.length;
    const summary = await service.inspectTestSet({ path: folder, label: 'photos' }, model);
    expect(summary.sampleCount).toBe(6);
    const reads = events
      .slice(before)
      .filter((e): e is InspectProgressEvent => e.type === 'inspect-progress');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((e) => e.input === folder)).toBe(true);
    expect(reads.at(-1)).toMatchObject({ done: 6, total: 6 });

    // A large folder the window no longer wants stops being read.
    const large = path.join(await tempDir(), 'many');
    for (const label of ['0', '1', '2']) {
      await mkdir(path.join(large, label), { recursive: true });
      for (let i = 0; i < 300; i++)
        await writeFile(path.join(large, label, `${i}.png`), PNG.sync.write(png));
    }
    await grants.grant(large);
    const ref = { path: large, label: 'many' };
    const reading = service.inspectTestSet(ref, model);
    await new Promise<void>((resolve) => {
      const check = () =>
        events.some((e) => e.type === 'inspect-progress' && e.input === large)
          ? resolve()
          : setTimeout(check, 5);
      check();
    });
    await service.cancelInspect(ref);
    await expect(reading).rejects.toThrow(/Cancelled/);
  });

  it('says whether the model can be fine-tuned, and which layers', async () => {
    const summary = await service.inspectModel(model);
    expect(summary.finetune).toEqual({
      eligible: true,
      reason: null,
      layers: ['features', 'norm', 'head'],
    });
  });

  it('sorts a model and a test set dropped together, opening only what was granted', async () => {
    const sorted = await service.sortDrop({
      path: model.path,
      label: '2 dropped files',
      items: [testSet.path, model.path],
    });
    expect(sorted).toEqual({
      model: { path: model.path, label: 'model' },
      testSet: { path: testSet.path, label: 'labelled.csv' },
      scores: null,
      ignored: [],
    });
    await expect(
      service.sortDrop({ path: model.path, label: 'x', items: ['/etc/passwd'] }),
    ).rejects.toThrow(/was not opened in this window/);
  });
});
