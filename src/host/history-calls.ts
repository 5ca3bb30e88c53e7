import { access } from 'node:fs/promises';
import path from 'node:path';
import type {
  AuditView,
  CalibrationAuditApi,
  InputPurpose,
  InputRef,
  ReportData,
} from '../shared/api';
import type {
  AuditNames,
  DatasetSummary,
  ModelSummary,
  ScoreFileSummary,
} from '../shared/audit-document';
import { auditNames, type StoredAudit } from '../storage';
import type { EngineClient } from '../engine/worker/engine-client';
import type { AppHistory } from './app-history';

/** The API's calls that read and edit the history (saving is the finishing audit's part). */
export type HistoryCalls = Pick<
  CalibrationAuditApi,
  | 'historyStatus'
  | 'reopenHistory'
  | 'listAudits'
  | 'openSavedAudit'
  | 'renameAudit'
  | 'deleteAudit'
  | 'compareAudits'
  | 'auditTrend'
  | 'listFinetunes'
  | 'openSavedFinetune'
  | 'renameFinetune'
  | 'deleteFinetune'
>;

export interface HistoryCallsOptions {
  history: AppHistory;
  /** Runs the paired bootstrap of a comparison, off the host's main thread. */
  engine: EngineClient;
  /** Keeps a reopened audit's report, so that it can be exported like a fresh one. */
  keep: (report: ReportData) => void;
  /**
   * Grants a saved audit's or fine-tune's inputs (see file-grants.ts): the history records only what
   * the user once chose, so its model and test set may be opened again (thumbnails, fine-tuning).
   */
  grant: (location: string) => Promise<unknown>;
}

/** The history's side of the API: every read goes to the storage layer; nothing is recomputed. */
export function historyCalls({ history, engine, keep, grant }: HistoryCallsOptions): HistoryCalls {
  async function granted(inputs: { model: InputRef; testSet: InputRef }) {
    await Promise.all([grant(inputs.model.path), grant(inputs.testSet.path)]);
    return inputs;
  }
  return {
    historyStatus: async () => history.status(),
    reopenHistory: () => history.reopen(),
    listAudits: () => history.get().listAudits(),
    async openSavedAudit(historyId) {
      const saved = history.get();
      const stored = await saved.getAudit(historyId);
      const finetunes = await saved.listFinetunes({ auditId: historyId });
      const latest = finetunes[0] ? await saved.getFinetune(finetunes[0].id) : null;
      const audit = storedAuditView(stored);
      const inputs = await granted(inputsOf(stored.document, auditNames(stored.document)));
      keep({ audit, finetune: latest?.document ?? null, ...inputs });
      const missing = await missingInputs(inputs);
      return { audit, summary: stored.summary, inputs, missing, finetunes };
    },
    renameAudit: (historyId, name) => history.get().renameAudit(historyId, name),
    deleteAudit: (historyId) => history.get().deleteAudit(historyId),
    async compareAudits(a, b) {
      const saved = history.get();
      const comparison = await saved.compareAudits(a, b, {
        pairedDeltas: (first, second, options) =>
          engine.call('pairedDeltas', { a: first, b: second, options }),
      });
      const [first, second] = await Promise.all([saved.getAudit(a), saved.getAudit(b)]);
      return { ...comparison, documents: { a: first.document, b: second.document } };
    },
    auditTrend: (modelFingerprint) => history.get().trend(modelFingerprint),
    listFinetunes: () => history.get().listFinetunes(),
    async openSavedFinetune(historyId) {
      const { summary, document } = await history.get().getFinetune(historyId);
      return { summary, document, inputs: await granted(inputsOf(document)) };
    },
    renameFinetune: (historyId, name) => history.get().renameFinetune(historyId, name),
    deleteFinetune: (historyId) => history.get().deleteFinetune(historyId),
  };
}

/** A saved audit as the views need it, from the arrays as saved (nothing recomputed). */
export function storedAuditView({ summary, document, samples }: StoredAudit): AuditView {
  const { labels, predictions, confidence } = samples;
  return {
    auditId: `saved-${summary.id}`,
    document,
    confidences: Array.from(confidence),
    correct: Array.from(predictions, (predicted, i) => (predicted === labels[i] ? 1 : 0)),
    history: { saved: true, historyId: summary.id },
  };
}

/** Which of a saved audit's inputs are no longer where it read them. */
async function missingInputs(inputs: Record<InputPurpose, InputRef>): Promise<InputPurpose[]> {
  const purposes: InputPurpose[] = ['model', 'testSet'];
  const there = await Promise.all(
    purposes.map((purpose) =>
      access(inputs[purpose].path).then(
        () => true,
        () => false,
      ),
    ),
  );
  return purposes.filter((_, i) => !there[i]);
}

/**
 * Where a saved audit's or fine-tune's model and test set were when it ran, named as the audit
 * names them (`names`), else by the model's own name and the test set's base name.
 */
function inputsOf(
  document: {
    model: ModelSummary | null;
    scores?: ScoreFileSummary;
    dataset: DatasetSummary;
  },
  names?: AuditNames,
): {
  model: InputRef;
  testSet: InputRef;
} {
  if (!document.model) {
    // A score file is both what gave the scores and what holds the labels.
    const file = document.scores?.path ?? document.dataset.path;
    const ref = { path: file, label: names?.model ?? document.scores?.name ?? path.basename(file) };
    return { model: ref, testSet: ref };
  }
  const modelFile = document.model.file;
  const modelPath = /\.json$/i.test(modelFile) ? path.dirname(modelFile) : modelFile;
  return {
    model: { path: modelPath, label: names?.model ?? document.model.name },
    testSet: {
      path: document.dataset.path,
      label: names?.testSet ?? path.basename(document.dataset.path),
    },
  };
}
