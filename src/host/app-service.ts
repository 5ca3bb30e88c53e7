import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type {
  AuditSettings,
  FinetuneSettingsView,
  HostEvent,
  AuditView,
  CalibrationAuditApi,
  InputRef,
  ReportData,
  SaveOutcome,
} from '../shared/api';
import { topLabel } from '../core';
import type { AuditRequest, AuditResult } from '../engine/audit';
import { CancelledError } from '../engine/inference';
import { InputError } from '../engine/input-error';
import { detectScoreFile } from '../engine/scores/read-scores';
import type { EngineClient } from '../engine/worker/engine-client';
import { auditNames } from '../storage';
import { isExportableArm, type FinetuneDocument } from '../shared/finetune-document';
import { toApiError } from './api-errors';
import { AppHistory } from './app-history';
import { FileGrants } from './file-grants';
import { historyCalls } from './history-calls';
import { TaskQueue, type TaskQueueOptions } from './task-queue';

/** The calls both hosts serve: the shared API minus what only a window can do (dialogs, drops, saving). */
export type AppService = Omit<
  CalibrationAuditApi,
  | 'host'
  | 'chooseInput'
  | 'onAuditEvent'
  | 'onFinetuneEvent'
  | 'onInspectProgress'
  | 'onHostCommand'
  | 'exportFinetunedModel'
  | 'exportPdf'
> & {
  /**
   * The folder a finished fine-tune's arm (default `smoothed`; or a post-hoc arm, staged as the
   * original with its map) was written to, for the host to hand out; null when there is none.
   */
  finetunedModelFolder(finetuneId: string, arm?: string): string | null;
  /** Notes in the history where the user exported a fine-tune's model (after the host did it). */
  recordExport(finetuneId: string, where: string): Promise<void>;
  /** Keeps a report in memory for the `#report=<id>` view (printing); returns its id. */
  registerReport(report: ReportData): string;
  /** A recently finished audit (the last AUDITS_KEPT) as a report, with its inputs; null when unknown. */
  auditReport(auditId: string): ReportData | null;
  /** The files and folders this service may open (see file-grants.ts): hosts grant what the user chose. */
  grants: FileGrants;
  /** The paths of the inputs running tasks and kept reports still need (the rest may be deleted). */
  inputsInUse(): string[];
};

/** How many finished audits the service keeps for exporting their reports later. */
export const AUDITS_KEPT = 20;
/** How many audits (and fine-tunes) that could not be saved the service keeps whole, to save them again. */
export const UNSAVED_KEPT = 5;
/** Audits whose per-sample arrays are kept for mistakes' details (the shown one and a few before). */
export const SAMPLES_KEPT = 3;
/** Thumbnails kept as data URLs, so that paging back or reopening an audit shows them at once. */
export const THUMBNAILS_KEPT = 600;

export interface AppServiceOptions {
  engine: EngineClient;
  demo: { model: InputRef; testSet: InputRef };
  /** Delivers audit and fine-tune events to the window(s). */
  emit: (event: HostEvent) => void;
  /** Where fine-tuned models are written before the user saves them somewhere. */
  stagingDir: string;
  /** Where finished audits and fine-tunes are saved, and read back from; default none. */
  history?: AppHistory;
  /**
   * What the user gave this session; default none but the demo (which is always granted). Every
   * InputRef that comes through the API is checked against it before the engine opens anything.
   */
  grants?: FileGrants;
  /** How many audits and fine-tunes run at once, and how many may wait; default one and four. */
  tasks?: TaskQueueOptions;
}

/**
 * The handlers behind the API, shared by the Electron main process (IPC) and the browser host (HTTP),
 * so they are written and tested once. The engine does the work in its own process or thread.
 */
export function createAppService({
  engine,
  demo,
  emit,
  stagingDir,
  history = AppHistory.none(),
  grants = new FileGrants(),
  tasks: taskOptions,
}: AppServiceOptions): AppService {
  const tasks = new TaskQueue(taskOptions);
  const demoGranted = Promise.all([grants.grant(demo.model.path), grants.grant(demo.testSet.path)]);
  /** The path of an InputRef from the renderer, once the user is known to have chosen it. */
  async function granted(ref: unknown, what: string): Promise<string> {
    await demoGranted;
    return grants.check(ref, what);
  }
  const running = new Map<string, AbortController>();
  /** Test sets being inspected, by path, so that the window can stop reading one it dropped. */
  const inspecting = new Map<string, Set<AbortController>>();
  /** Runs an inspection of `input` that cancelInspect can stop. */
  async function inspection<T>(input: string, work: (signal: AbortSignal) => Promise<T>) {
    const controller = new AbortController();
    const set = inspecting.get(input) ?? new Set();
    set.add(controller);
    inspecting.set(input, set);
    try {
      return await work(controller.signal);
    } finally {
      set.delete(controller);
      if (set.size === 0) inspecting.delete(input);
    }
  }
  /** The input paths of each running (or waiting) task. */
  const runningInputs = new Map<string, string[]>();
  const finetunedModels = new Map<string, string>();
  const reports = new Map<string, ReportData>();
  const finishedAudits = new Map<string, ReportData>();
  /** What each kept audit read (for the post-hoc comparison on the same scores). */
  const auditRequests = new Map<string, AuditRequest>();
  /** Finished audits the history refused, kept whole until saved (the last UNSAVED_KEPT). */
  const unsaved = new Map<string, AuditResult>();
  /** Finished fine-tunes the history refused, with what links them to their audit. */
  const unsavedFinetunes = new Map<string, { document: FinetuneDocument; fromAudit?: string }>();
  /** Per-sample arrays of the last finished or reopened audits (a flagged mistake's detail). */
  const sampleArrays = new Map<string, SampleArrays>();
  /** Thumbnails (data URLs, or null for no image) by test set, model and sample, newest last. */
  const thumbnails = new Map<string, Promise<string | null>>();
  /** Saved fine-tunes: the app's fine-tune id → the history's. */
  const savedFinetunes = new Map<string, number>();
  let nextTask = 1;

  /** Runs `work` when the task's turn comes (one task at a time by default), telling it its place. */
  function inTurn(signal: AbortSignal, onWait: (position: number) => void) {
    return async <T>(work: () => Promise<T>): Promise<T> => {
      const release = await tasks.enter(signal, onWait);
      try {
        return await work();
      } finally {
        release();
      }
    };
  }

  /** Keeps a shown audit's report for exporting it later. */
  function keepReport(report: ReportData): void {
    finishedAudits.delete(report.audit.auditId);
    finishedAudits.set(report.audit.auditId, report);
    keepLast(finishedAudits, AUDITS_KEPT);
  }

  /** Saves a finished fine-tune, linked to the audit it started from when that one is saved. */
  async function saveFinetune(
    finetuneId: string,
    document: FinetuneDocument,
    fromAudit: string | undefined,
  ): Promise<SaveOutcome> {
    const auditId = savedId(fromAudit);
    const saved = await history.save((h) =>
      h.saveFinetune(document, auditId === undefined ? {} : { auditId }),
    );
    if (saved.saved) {
      savedFinetunes.set(finetuneId, saved.historyId);
      unsavedFinetunes.delete(finetuneId);
    } else {
      unsavedFinetunes.set(finetuneId, { document, fromAudit });
      keepLast(unsavedFinetunes, UNSAVED_KEPT);
    }
    return saved;
  }

  function keepSamples(
    auditId: string,
    result: { document: { numClasses: number }; samples: Omit<SampleArrays, 'numClasses'> },
  ): void {
    const { ids, labels, probs } = result.samples;
    sampleArrays.delete(auditId);
    sampleArrays.set(auditId, { ids, labels, probs, numClasses: result.document.numClasses });
    keepLast(sampleArrays, SAMPLES_KEPT);
  }

  /** The per-sample arrays of a shown audit: kept since it finished, or read back from the history. */
  async function samplesOf(auditId: string): Promise<SampleArrays> {
    const kept = sampleArrays.get(auditId);
    if (kept) return kept;
    const reopened = /^saved-(\d+)$/.exec(auditId);
    const historyId = reopened ? Number(reopened[1]) : savedId(auditId);
    if (historyId === undefined) {
      throw new InputError(auditId, 'is no longer kept: run the audit again to see its samples.');
    }
    const stored = await history.get().getAudit(historyId);
    keepSamples(auditId, { document: stored.document, samples: stored.samples });
    return sampleArrays.get(auditId) as SampleArrays;
  }

  /** The history id of a shown audit, when it was saved. */
  function savedId(auditId: string | undefined): number | undefined {
    const saved = auditId === undefined ? undefined : finishedAudits.get(auditId)?.audit.history;
    return saved?.saved ? saved.historyId : undefined;
  }

  return {
    demo: async () => demo,
    engineBackend: () => engine.call('backend', {}),
    grants,
    inputsInUse() {
      const paths = [...runningInputs.values()].flat();
      for (const report of [...finishedAudits.values(), ...reports.values()]) {
        if (report.model) paths.push(report.model.path);
        if (report.testSet) paths.push(report.testSet.path);
      }
      return paths;
    },
    inspectModel: async (model) =>
      engine.call('inspectModel', { modelPath: await granted(model, 'model') }),
    async inspectTestSet(testSet, model, labelColumn) {
      const dataPath = await granted(testSet, 'test set');
      const modelPath = await granted(model, 'model');
      return inspection(testSet.path, (signal) =>
        engine.call(
          'inspectTestSet',
          { dataPath, modelPath, labelColumn: labelColumn ?? undefined },
          {
            signal,
            onProgress: ({ done, total }) => {
              if (done !== undefined && total !== undefined)
                emit({ type: 'inspect-progress', input: testSet.path, done, total });
            },
          },
        ),
      );
    },
    async previewCsv(testSet, model, labelColumn) {
      const dataPath = await granted(testSet, 'test set');
      const modelPath = await granted(model, 'model');
      return inspection(testSet.path, (signal) =>
        engine.call(
          'previewCsv',
          { dataPath, modelPath, labelColumn: labelColumn ?? undefined },
          { signal },
        ),
      );
    },
    async cancelInspect(testSet) {
      for (const controller of inspecting.get(testSet.path) ?? []) controller.abort();
    },
    async sortDrop(drop) {
      const root = await granted(drop, 'drop');
      // Each item must be granted too (Electron grants a drop's items with their folder).
      const items =
        drop.items && drop.items.length > 0
          ? await Promise.all(drop.items.map((item) => granted({ path: item }, 'dropped item')))
          : (await readdir(root, { withFileTypes: true }))
              .filter((entry) => !entry.name.startsWith('.'))
              .map((entry) => path.join(root, entry.name))
              .sort();
      const sorted = await engine.call('sortInputs', { paths: items });
      const ref = (location: string | null): InputRef | null =>
        location === null ? null : { path: location, label: inputLabel(location) };
      return {
        model: ref(sorted.model),
        testSet: ref(sorted.testSet),
        scores: ref(sorted.scores),
        ignored: sorted.ignored.map((i) => ({ name: path.basename(i.path), reason: i.reason })),
      };
    },
    scoreFileFormat: async (input) => detectScoreFile(await granted(input, 'score file')),
    async startAudit(settings: AuditSettings) {
      const common = {
        bins: settings?.bins,
        bootstrapResamples: settings?.bootstrapResamples,
        seed: settings?.seed,
        labelColumn: settings?.labelColumn,
      };
      // A score file is audited on its own; a model runs over its test set. Either way, only what
      // the user gave is opened.
      const request: AuditRequest = settings?.scores
        ? {
            scoresPath: await granted(settings.scores, 'score file'),
            classNames: settings.classNames,
            names: { model: userName(settings.scores), testSet: userName(settings.scores) },
            ...common,
          }
        : {
            modelPath: await granted(settings?.model, 'model'),
            dataPath: await granted(settings?.testSet, 'test set'),
            scaling: settings?.scaling,
            // Named as the user named them, not by the host's (maybe temporary) paths.
            // A test set dropped as loose files keeps "2 dropped files": its folder is an upload id.
            names: {
              model: userName(settings.model),
              testSet: settings.testSet.label?.trim() || undefined,
            },
            ...common,
          };
      tasks.checkRoom('audit');
      const auditId = `audit-${Date.now()}-${nextTask++}`;
      const controller = new AbortController();
      running.set(auditId, controller);
      runningInputs.set(
        auditId,
        request.scoresPath !== undefined
          ? [request.scoresPath]
          : [request.modelPath, request.dataPath],
      );
      inTurn(controller.signal, (queued) =>
        emit({ type: 'progress', auditId, progress: { phase: 'loading', queued } }),
      )(() =>
        engine.call('audit', request, {
          signal: controller.signal,
          onProgress: (progress) => emit({ type: 'progress', auditId, progress }),
        }),
      )
        .then(async (result) => {
          keepSamples(auditId, result);
          const saved = await history.save((h) => h.saveAudit(result));
          if (!saved.saved) {
            unsaved.set(auditId, result);
            keepLast(unsaved, UNSAVED_KEPT);
          }
          const audit = toAuditView(auditId, result, saved);
          auditRequests.set(auditId, request);
          keepLast(auditRequests, AUDITS_KEPT);
          // A score file has no images: its report shows no thumbnails.
          keepReport({
            audit,
            finetune: null,
            model: settings.model ?? null,
            testSet: settings.testSet ?? null,
          });
          emit({ type: 'done', auditId, audit });
        })
        .catch((error: unknown) => {
          if (error instanceof CancelledError) emit({ type: 'cancelled', auditId });
          else emit({ type: 'failed', auditId, error: toApiError(error) });
        })
        .finally(() => {
          running.delete(auditId);
          runningInputs.delete(auditId);
        });
      return { auditId };
    },
    async cancelAudit(auditId) {
      running.get(auditId)?.abort();
    },
    async startFinetune(settings: FinetuneSettingsView) {
      const modelPath = await granted(settings?.model, 'model');
      const dataPath = await granted(settings.testSet, 'test set');
      const trainDataPath =
        settings.trainSet === undefined || settings.trainSet === null
          ? undefined
          : await granted(settings.trainSet, 'fine-tuning set');
      tasks.checkRoom('fine-tune');
      const finetuneId = `finetune-${Date.now()}-${nextTask++}`;
      const controller = new AbortController();
      running.set(finetuneId, controller);
      runningInputs.set(
        finetuneId,
        [modelPath, dataPath, trainDataPath].filter((p): p is string => p !== undefined),
      );
      const exportPath = path.join(stagingDir, finetuneId);
      // Every post-hoc arm is staged too (one folder each), so that any arm can be exported.
      const exportArmsPath = path.join(stagingDir, `${finetuneId}-arms`);
      inTurn(controller.signal, (queued) =>
        emit({ type: 'finetune-progress', finetuneId, progress: { phase: 'loading', queued } }),
      )(() =>
        engine.call(
          'finetune',
          {
            modelPath,
            dataPath,
            trainDataPath,
            alpha: settings.alpha,
            epochs: settings.epochs,
            batchSize: settings.batchSize,
            learningRate: settings.learningRate,
            layers: settings.layers,
            seed: settings.seed,
            exportPath,
            exportArmsPath,
          },
          {
            signal: controller.signal,
            onProgress: ({ task: _task, ...progress }) =>
              emit({ type: 'finetune-progress', finetuneId, progress }),
          },
        ),
      )
        .then(async (result) => {
          finetunedModels.set(finetuneId, exportPath);
          // The staging folder is the host's; the history learns where the model went on export.
          const document = { ...result.document, exportedModel: null, exportedArm: null };
          const saved = await saveFinetune(finetuneId, document, settings.fromAudit);
          const report = settings.fromAudit ? finishedAudits.get(settings.fromAudit) : undefined;
          if (report) keepReport({ ...report, finetune: document });
          emit({ type: 'finetune-done', finetuneId, finetune: document, history: saved });
        })
        .catch((error: unknown) => {
          if (error instanceof CancelledError) emit({ type: 'finetune-cancelled', finetuneId });
          else emit({ type: 'finetune-failed', finetuneId, error: toApiError(error) });
        })
        .finally(() => {
          running.delete(finetuneId);
          runningInputs.delete(finetuneId);
        });
      return { finetuneId };
    },
    async cancelFinetune(finetuneId) {
      running.get(finetuneId)?.abort();
    },
    async comparePostHoc(auditId) {
      const request = auditRequests.get(auditId);
      if (!request) {
        throw new InputError(
          auditId,
          'is not an audit this window ran (or no longer kept): run the audit again to compare post-hoc calibrators.',
        );
      }
      tasks.checkRoom('audit');
      const { document } = await engine.call('calibrate', request);
      return document;
    },
    registerReport(report) {
      const reportId = `report-${Date.now()}-${nextTask++}`;
      reports.set(reportId, report);
      keepLast(reports, AUDITS_KEPT);
      return reportId;
    },
    getReport: async (reportId) => reports.get(reportId) ?? null,
    auditReport: (auditId) => finishedAudits.get(auditId) ?? null,
    finetunedModelFolder(finetuneId, arm = 'smoothed') {
      const staged = finetunedModels.get(finetuneId);
      if (!staged || !isExportableArm(arm)) return null;
      if (arm === 'smoothed') return staged;
      const folder = path.join(`${staged}-arms`, arm);
      return existsSync(path.join(folder, 'model.json')) ? folder : null;
    },
    async recordExport(finetuneId, where) {
      const id = savedFinetunes.get(finetuneId);
      // The model is where the user wanted it either way; a failed note only leaves the record as it was.
      if (id !== undefined)
        await history.save((h) => h.recordFinetuneExport(id, where).then(() => id));
    },
    async saveFinetuneAgain(finetuneId) {
      const saved = savedFinetunes.get(finetuneId);
      if (saved !== undefined) return { saved: true, historyId: saved };
      const unsavedFinetune = unsavedFinetunes.get(finetuneId);
      if (!unsavedFinetune) {
        throw new InputError(finetuneId, 'is no longer kept: run the fine-tune again to save it.');
      }
      await history.ensureOpen();
      return saveFinetune(finetuneId, unsavedFinetune.document, unsavedFinetune.fromAudit);
    },
    async saveAuditAgain(auditId) {
      const result = unsaved.get(auditId);
      const report = finishedAudits.get(auditId);
      if (!result || !report) {
        const outcome = report?.audit.history;
        if (outcome?.saved) return outcome;
        throw new InputError(auditId, 'is no longer kept: run the audit again to save it.');
      }
      await history.ensureOpen();
      const saved = await history.save((h) => h.saveAudit(result));
      if (saved.saved) {
        unsaved.delete(auditId);
        keepReport({ ...report, audit: { ...report.audit, history: saved } });
      }
      return saved;
    },
    ...historyCalls({ history, engine, keep: keepReport, grant: (p) => grants.grant(p) }),
    async sampleDetail(auditId, sampleId) {
      const { ids, labels, probs, numClasses: k } = await samplesOf(auditId);
      const index = ids.indexOf(sampleId);
      if (index < 0) throw new InputError(auditId, `has no sample ${sampleId.slice(0, 80)}.`);
      const row = Array.from(probs.subarray(index * k, (index + 1) * k));
      const order = row.map((_, c) => c).sort((a, b) => row[b] - row[a] || a - b);
      const report = finishedAudits.get(auditId);
      const csv = report?.audit.document.dataset.format === 'csv';
      const values =
        csv && report?.testSet && report.model
          ? await engine
              .call('sampleValues', {
                dataPath: await granted(report.testSet, 'test set'),
                modelPath: await granted(report.model, 'model'),
                sampleId,
              })
              .catch(() => null)
          : null;
      return {
        id: sampleId,
        index,
        label: labels[index],
        prediction: order[0],
        top: order.slice(0, Math.min(5, k)).map((c) => ({ classIndex: c, probability: row[c] })),
        values,
      };
    },
    async thumbnail(testSet, model, sampleId) {
      // A score file holds no images.
      if (testSet.path === model.path && (await detectScoreFile(testSet.path))) return null;
      const dataPath = await granted(testSet, 'test set');
      const modelPath = await granted(model, 'model');
      const key = JSON.stringify([dataPath, modelPath, sampleId]);
      let pending = thumbnails.get(key);
      if (!pending) {
        pending = engine
          .call('thumbnail', { dataPath, modelPath, sampleId })
          .then((png) =>
            png ? `data:image/png;base64,${Buffer.from(png).toString('base64')}` : null,
          );
        // A failure is not kept: the file may be back on the next try.
        pending.catch(() => thumbnails.delete(key));
      } else {
        thumbnails.delete(key);
      }
      thumbnails.set(key, pending);
      keepLast(thumbnails, THUMBNAILS_KEPT);
      return pending;
    },
  };
}

/** The name shown for a sorted item: a TF.js model's JSON file without its extension (`model`). */
function inputLabel(location: string): string {
  const name = path.basename(location);
  return /\.json$/i.test(name) ? name.replace(/\.json$/i, '') : name;
}

/**
 * The name the user gave an input (its file or folder name), or undefined when its label names no
 * file ("3 dropped files", "model upload") or is TF.js's default file name (`model.json`, shown
 * as "model"): then the model's own name or the file's stands in.
 */
export function userName(input: InputRef): string | undefined {
  const label = input.label?.trim();
  if (!label || /^\d+ dropped files$|^(model|test set) upload$|^model(\.json)?$/i.test(label)) {
    return undefined;
  }
  return label;
}

/** What a mistake's detail needs of an audit's samples. */
interface SampleArrays {
  ids: string[];
  labels: Int32Array;
  probs: Float32Array;
  numClasses: number;
}

/** `<model>-calibration-audit.pdf`, the model's name kept to safe characters. */
export function pdfFileName(report: ReportData): string {
  const { document } = report.audit;
  const model = auditNames(document)
    .model.replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '');
  return `${model || 'model'}-calibration-audit.pdf`;
}

/** Drops the oldest entries of a Map (insertion order) until it holds at most `size`. */
function keepLast<K, V>(map: Map<K, V>, size: number): void {
  for (const key of map.keys()) {
    if (map.size <= size) break;
    map.delete(key);
  }
}

/** The finished audit as the views need it: the document plus per-sample confidence and correctness. */
export function toAuditView(
  auditId: string,
  result: AuditResult,
  history: SaveOutcome = { saved: false, reason: 'No history was given.' },
): AuditView {
  const { labels, probs } = result.samples;
  const { confidence, prediction } = topLabel(probs, result.document.numClasses);
  return {
    auditId,
    document: result.document,
    confidences: Array.from(confidence),
    correct: Array.from(prediction, (predicted, i) => (predicted === labels[i] ? 1 : 0)),
    history,
  };
}
