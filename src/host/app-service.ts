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
import type { AuditResult } from '../engine/audit';
import { CancelledError } from '../engine/inference';
import { InputError } from '../engine/input-error';
import type { EngineClient } from '../engine/worker/engine-client';
import type { FinetuneDocument } from '../shared/finetune-document';
import { toApiError } from './api-errors';
import { AppHistory } from './app-history';
import { historyCalls } from './history-calls';

/** The calls both hosts serve: the shared API minus what only a window can do (dialogs, drops, saving). */
export type AppService = Omit<
  CalibrationAuditApi,
  | 'host'
  | 'chooseInput'
  | 'onAuditEvent'
  | 'onFinetuneEvent'
  | 'onHostCommand'
  | 'exportFinetunedModel'
  | 'exportPdf'
> & {
  /** The folder a finished fine-tune's smoothed model was written to, for the host to hand out. */
  finetunedModelFolder(finetuneId: string): string | null;
  /** Notes in the history where the user exported a fine-tune's model (after the host did it). */
  recordExport(finetuneId: string, where: string): Promise<void>;
  /** Keeps a report in memory for the `#report=<id>` view (printing); returns its id. */
  registerReport(report: ReportData): string;
  /** A recently finished audit (the last AUDITS_KEPT) as a report, with its inputs; null when unknown. */
  auditReport(auditId: string): ReportData | null;
};

/** How many finished audits the service keeps for exporting their reports later. */
export const AUDITS_KEPT = 20;
/** How many audits (and fine-tunes) that could not be saved the service keeps whole, to save them again. */
export const UNSAVED_KEPT = 5;

export interface AppServiceOptions {
  engine: EngineClient;
  demo: { model: InputRef; testSet: InputRef };
  /** Delivers audit and fine-tune events to the window(s). */
  emit: (event: HostEvent) => void;
  /** Where fine-tuned models are written before the user saves them somewhere. */
  stagingDir: string;
  /** Where finished audits and fine-tunes are saved, and read back from; default none. */
  history?: AppHistory;
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
}: AppServiceOptions): AppService {
  const running = new Map<string, AbortController>();
  const finetunedModels = new Map<string, string>();
  const reports = new Map<string, ReportData>();
  const finishedAudits = new Map<string, ReportData>();
  /** Finished audits the history refused, kept whole until saved (the last UNSAVED_KEPT). */
  const unsaved = new Map<string, AuditResult>();
  /** Finished fine-tunes the history refused, with what links them to their audit. */
  const unsavedFinetunes = new Map<string, { document: FinetuneDocument; fromAudit?: string }>();
  /** Saved fine-tunes: the app's fine-tune id → the history's. */
  const savedFinetunes = new Map<string, number>();
  let nextTask = 1;

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

  /** The history id of a shown audit, when it was saved. */
  function savedId(auditId: string | undefined): number | undefined {
    const saved = auditId === undefined ? undefined : finishedAudits.get(auditId)?.audit.history;
    return saved?.saved ? saved.historyId : undefined;
  }

  return {
    demo: async () => demo,
    engineBackend: () => engine.call('backend', {}),
    inspectModel: (model) => engine.call('inspectModel', { modelPath: model.path }),
    inspectTestSet: (testSet, model) =>
      engine.call('inspectTestSet', { dataPath: testSet.path, modelPath: model.path }),
    async startAudit(settings: AuditSettings) {
      const auditId = `audit-${Date.now()}-${nextTask++}`;
      const controller = new AbortController();
      running.set(auditId, controller);
      engine
        .call(
          'audit',
          {
            modelPath: settings.model.path,
            dataPath: settings.testSet.path,
            bins: settings.bins,
            bootstrapResamples: settings.bootstrapResamples,
            seed: settings.seed,
            scaling: settings.scaling,
            labelColumn: settings.labelColumn,
          },
          {
            signal: controller.signal,
            onProgress: (progress) => emit({ type: 'progress', auditId, progress }),
          },
        )
        .then(async (result) => {
          const saved = await history.save((h) => h.saveAudit(result));
          if (!saved.saved) {
            unsaved.set(auditId, result);
            keepLast(unsaved, UNSAVED_KEPT);
          }
          const audit = toAuditView(auditId, result, saved);
          keepReport({ audit, finetune: null, model: settings.model, testSet: settings.testSet });
          emit({ type: 'done', auditId, audit });
        })
        .catch((error: unknown) => {
          if (error instanceof CancelledError) emit({ type: 'cancelled', auditId });
          else emit({ type: 'failed', auditId, error: toApiError(error) });
        })
        .finally(() => running.delete(auditId));
      return { auditId };
    },
    async cancelAudit(auditId) {
      running.get(auditId)?.abort();
    },
    async startFinetune(settings: FinetuneSettingsView) {
      const finetuneId = `finetune-${Date.now()}-${nextTask++}`;
      const controller = new AbortController();
      running.set(finetuneId, controller);
      const exportPath = path.join(stagingDir, finetuneId);
      engine
        .call(
          'finetune',
          {
            modelPath: settings.model.path,
            dataPath: settings.testSet.path,
            trainDataPath: settings.trainSet?.path,
            alpha: settings.alpha,
            epochs: settings.epochs,
            batchSize: settings.batchSize,
            learningRate: settings.learningRate,
            layers: settings.layers,
            seed: settings.seed,
            exportPath,
          },
          {
            signal: controller.signal,
            onProgress: ({ task: _task, ...progress }) =>
              emit({ type: 'finetune-progress', finetuneId, progress }),
          },
        )
        .then(async (result) => {
          finetunedModels.set(finetuneId, exportPath);
          // The staging folder is the host's; the history learns where the model went on export.
          const document = { ...result.document, exportedModel: null };
          const saved = await saveFinetune(finetuneId, document, settings.fromAudit);
          const report = settings.fromAudit ? finishedAudits.get(settings.fromAudit) : undefined;
          if (report) keepReport({ ...report, finetune: document });
          emit({ type: 'finetune-done', finetuneId, finetune: document, history: saved });
        })
        .catch((error: unknown) => {
          if (error instanceof CancelledError) emit({ type: 'finetune-cancelled', finetuneId });
          else emit({ type: 'finetune-failed', finetuneId, error: toApiError(error) });
        })
        .finally(() => running.delete(finetuneId));
      return { finetuneId };
    },
    async cancelFinetune(finetuneId) {
      running.get(finetuneId)?.abort();
    },
    registerReport(report) {
      const reportId = `report-${Date.now()}-${nextTask++}`;
      reports.set(reportId, report);
      keepLast(reports, AUDITS_KEPT);
      return reportId;
    },
    getReport: async (reportId) => reports.get(reportId) ?? null,
    auditReport: (auditId) => finishedAudits.get(auditId) ?? null,
    finetunedModelFolder: (finetuneId) => finetunedModels.get(finetuneId) ?? null,
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
    ...historyCalls({ history, engine, keep: keepReport }),
    async thumbnail(testSet, model, sampleId) {
      const png = await engine.call('thumbnail', {
        dataPath: testSet.path,
        modelPath: model.path,
        sampleId,
      });
      return png ? `data:image/png;base64,${Buffer.from(png).toString('base64')}` : null;
    },
  };
}

/** `<model>-calibration-audit.pdf`, the model's name kept to safe characters. */
export function pdfFileName(report: ReportData): string {
  const model = report.audit.document.model.name
    .replace(/[^\w.-]+/g, '-')
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
