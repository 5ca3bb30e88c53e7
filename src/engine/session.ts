import type { CsvPreview, DatasetSummary, ModelSummary } from '../shared/audit-document';
import {
  runAudit,
  type AuditHooks,
  type AuditRequest,
  type AuditResult,
  type ModelAuditRequest,
} from './audit';
import { selectBackend } from './backend';
import { detectDatasetFormat, type OpenedDataset } from './data';
import { previewCsv } from './data/csv-preview';
import { datasetFile } from './data/detect-format';
import { finetuneEligibility } from './finetune/eligibility';
import { inputSpecFor } from './input-spec';
import { sortInputs, type SortedInputs } from './input-kind';
import type { SampleValue } from './data/types';
import {
  runFinetune,
  type FinetuneHooks,
  type FinetuneRequest,
  type FinetuneResult,
} from './finetune/finetune';
import {
  runPostHocComparison,
  type PostHocRequest,
  type PostHocResult,
} from './finetune/post-hoc-only';
import { loadModel, summariseModel, type LoadedModel } from './model/load-model';
import { openTestSetFor } from './open-test-set';
import type { BootstrapHelper } from './parallel-bootstrap';

export interface TestSetRequest {
  dataPath: string;
  modelPath: string;
  labelColumn?: string;
  scaling?: ModelAuditRequest['scaling'];
}

/**
 * What one engine process offers its host: inspect a model or a test set, run audits and
 * label-smoothing fine-tunes, and serve thumbnails of test samples. Inspected models and test
 * sets are kept for the thumbnails and dropped when a newer file is opened; an audit or a
 * fine-tune always reads its files afresh.
 */
export class EngineSession {
  /** `bootstrapHelper`: a second thread for bootstrap intervals (see parallel-bootstrap.ts). */
  constructor(private readonly bootstrapHelper: BootstrapHelper | null = null) {
    bootstrapHelper?.start();
  }

  private model: { path: string; loaded: LoadedModel } | null = null;
  private dataset: { key: string; opened: OpenedDataset } | null = null;
  /** The test set being opened for thumbnails, shared by the calls that arrive meanwhile. */
  private opening: { key: string; opened: Promise<OpenedDataset> } | null = null;

  async inspectModel(modelPath: string): Promise<ModelSummary> {
    const loaded = await this.openModel(modelPath, true);
    return { ...summariseModel(loaded.info), finetune: finetuneEligibility(loaded) };
  }

  /** A CSV test set's first rows, label column and class mapping against the model; null for other test sets. */
  async previewCsv(request: TestSetRequest, signal?: AbortSignal): Promise<CsvPreview | null> {
    if ((await detectDatasetFormat(request.dataPath)) !== 'csv') return null;
    const { info } = await this.openModel(request.modelPath, false);
    return previewCsv(await datasetFile(request.dataPath), {
      input: inputSpecFor(info.file, info.inputShape, false),
      classNames: info.classNames,
      numClasses: info.numClasses,
      labelColumn: request.labelColumn,
      signal,
    });
  }

  /** Several dropped items sorted into a model, a test set and a score file, by content. */
  sortInputs(paths: string[]): Promise<SortedInputs> {
    return sortInputs(paths);
  }

  /** `hooks`: an image folder's files read / found while it is opened (and a cancel). */
  async inspectTestSet(
    request: TestSetRequest,
    hooks: Pick<AuditHooks, 'onProgress' | 'signal'> = {},
  ): Promise<DatasetSummary> {
    const { info } = await this.openTestSet(request, true, hooks);
    return { ...info };
  }

  async thumbnail(request: TestSetRequest & { sampleId: string }): Promise<Uint8Array | null> {
    const opened = await this.openTestSet(request, false);
    if (opened.info.format === 'csv') return null;
    return opened.thumbnail(request.sampleId);
  }

  /** A CSV row's columns and values, by sample id; null for test sets that are not a CSV. */
  async sampleValues(
    request: TestSetRequest & { sampleId: string },
  ): Promise<SampleValue[] | null> {
    const opened = await this.openTestSet(request, false);
    return opened.values ? opened.values(request.sampleId) : null;
  }

  audit(request: AuditRequest, hooks: AuditHooks): Promise<AuditResult> {
    return runAudit(request, { ...hooks, bootstrapHelper: this.bootstrapHelper });
  }

  /** Fine-tunes fresh copies of the model (its files are only read) and compares the arms. */
  finetune(request: FinetuneRequest, hooks: FinetuneHooks): Promise<FinetuneResult> {
    return runFinetune(request, hooks);
  }

  /** The post-hoc calibrators alone (a fresh read of the scores; nothing is cached). */
  calibrate(request: PostHocRequest, hooks: AuditHooks): Promise<PostHocResult> {
    return runPostHocComparison(request, hooks);
  }

  private async openModel(modelPath: string, fresh: boolean): Promise<LoadedModel> {
    if (!fresh && this.model?.path === modelPath) return this.model.loaded;
    await selectBackend();
    const loaded = await loadModel(modelPath);
    this.model?.loaded.dispose();
    this.model = { path: modelPath, loaded };
    return loaded;
  }

  private async openTestSet(
    request: TestSetRequest,
    fresh: boolean,
    hooks: Pick<AuditHooks, 'onProgress' | 'signal'> = {},
  ): Promise<OpenedDataset> {
    const key = JSON.stringify([
      request.dataPath,
      request.modelPath,
      request.labelColumn,
      request.scaling,
    ]);
    if (!fresh && this.dataset?.key === key) return this.dataset.opened;
    // A page of thumbnails asks at once: they share one opening (an image folder is read whole
    // to fingerprint it) instead of each reading the folder again.
    const pending = !fresh && this.opening?.key === key ? this.opening.opened : null;
    if (pending) return pending;
    const opened = (async () => {
      const model = await this.openModel(request.modelPath, false);
      const { dataset } = await openTestSetFor(model, request.dataPath, {
        ...request,
        signal: hooks.signal,
        onProgress: hooks.onProgress
          ? ({ found, read }) => hooks.onProgress?.({ phase: 'loading', done: read, total: found })
          : undefined,
      });
      return dataset;
    })();
    const entry = { key, opened };
    this.opening = entry;
    try {
      const dataset = await opened;
      this.dataset = { key, opened: dataset };
      return dataset;
    } finally {
      if (this.opening === entry) this.opening = null;
    }
  }
}
