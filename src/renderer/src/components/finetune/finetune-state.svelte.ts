import type {
  FinetuneEvent,
  FinetuneProgressView,
  FinetuneSettingsView,
  InputRef,
  SaveOutcome,
  SavedFinetuneView,
} from '../../../../shared/api';
import type {
  ExportableArm,
  FinetuneDocument,
  FinetuneEpoch,
} from '../../../../shared/finetune-document';
import type { HostBridge } from '../../../../shared/host-bridge';
import { classNamesFor } from '../../lib/class-names';
import { errorMessage } from '../../lib/errors';

export type FinetunePane = 'settings' | 'training' | 'comparison';
export type LayerChoice = 'head' | 'last' | 'all';

/** The alphas a sweep tries; the smoothed arm is the one with the lowest calibration-part NLL. */
export const SWEEP_ALPHAS: readonly number[] = [0, 0.05, 0.1, 0.2, 0.3];
export const ALPHA_MAX = 0.5;

/** The settings form as typed (number inputs give null while empty). */
export interface FinetuneForm {
  alpha: number | null;
  sweep: boolean;
  epochs: number | null;
  batchSize: number | null;
  learningRate: number | null;
  layers: LayerChoice;
  lastLayers: number | null;
  seed: number | null;
}

export function defaultForm(): FinetuneForm {
  return {
    alpha: 0.1,
    sweep: false,
    epochs: 3,
    batchSize: 64,
    learningRate: 0.001,
    layers: 'head',
    lastLayers: 2,
    seed: 0,
  };
}

/** What is wrong with each field, when anything is. */
export type FormErrors = Partial<Record<keyof FinetuneForm, string>>;

const isInteger = (value: number | null): value is number =>
  value !== null && Number.isInteger(value);

export function validateForm(form: FinetuneForm): FormErrors {
  const errors: FormErrors = {};
  if (form.alpha === null || !(form.alpha >= 0 && form.alpha <= ALPHA_MAX))
    errors.alpha = `α must be a number from 0 to ${ALPHA_MAX}.`;
  if (!isInteger(form.epochs) || form.epochs < 1 || form.epochs > 1000)
    errors.epochs = 'Epochs must be a whole number from 1 to 1000.';
  if (!isInteger(form.batchSize) || form.batchSize < 1 || form.batchSize > 65536)
    errors.batchSize = 'Batch size must be a whole number from 1 to 65536.';
  if (form.learningRate === null || !(form.learningRate > 0 && form.learningRate <= 1))
    errors.learningRate = 'The learning rate must be above 0 and at most 1.';
  if (form.layers === 'last' && (!isInteger(form.lastLayers) || form.lastLayers < 1))
    errors.lastLayers = 'The number of layers must be a whole number of at least 1.';
  if (!isInteger(form.seed) || form.seed < 0)
    errors.seed = 'The seed must be a whole number of at least 0.';
  return errors;
}

/**
 * The fine-tune view's state: the settings form, the run in progress (with its live epochs) and the
 * finished comparison. Panes switch by state: settings → training → comparison, and back to settings
 * on cancel or failure (the form keeps what was typed).
 */
export class FinetuneState {
  readonly api: HostBridge;

  pane = $state<FinetunePane>('settings');
  form = $state<FinetuneForm>(defaultForm());
  readonly formErrors = $derived(validateForm(this.form));
  readonly canStart = $derived(Object.keys(this.formErrors).length === 0);

  /** The model and labelled set the fine-tune runs on (those of the audit it was opened from). */
  inputs = $state.raw<{ model: InputRef; testSet: InputRef } | null>(null);
  numClasses = $state(2);
  classNames = $state.raw<string[]>([]);

  /** Why the last fine-tune could not start, failed, or could not be cancelled. */
  error = $state<string | null>(null);
  finetuneId = $state<string | null>(null);
  /** What the running (or shown) fine-tune was asked for. */
  request = $state.raw<FinetuneSettingsView | null>(null);
  progress = $state.raw<FinetuneProgressView | null>(null);
  /** Epochs finished so far in the running fine-tune (for the live curves). */
  liveEpochs = $state.raw<FinetuneEpoch[]>([]);
  /** Samples of the running epoch, kept while its end is being measured. */
  samples = $state.raw<{ done: number; total: number } | null>(null);
  startedAt = $state(0);
  cancelling = $state(false);

  /** The audit (AuditView.auditId) the view was opened from: the history links the fine-tune to it. */
  fromAudit = $state<string | null>(null);

  document = $state.raw<FinetuneDocument | null>(null);
  /** Whether (and as what) the shown fine-tune is kept in the history. */
  saved = $state.raw<SaveOutcome | null>(null);
  /** Set when the shown fine-tune was read back from the history (its model was not kept). */
  fromHistory = $state(false);
  /** The shown fine-tune is being saved again (after the history refused it). */
  savingAgain = $state(false);
  /** The fine-tune the shown document came from (what an export saves). */
  documentId = $state<string | null>(null);
  exporting = $state(false);
  exportedTo = $state<string | null>(null);
  /** The arm the export button writes: the smoothed model or a post-hoc arm of the original. */
  exportArm = $state<ExportableArm>('smoothed');
  /** The arm written to `exportedTo`. */
  exportedArm = $state<ExportableArm | null>(null);
  exportError = $state<string | null>(null);

  readonly busy = $derived(this.pane === 'training');

  #starting = false;
  #buffered: FinetuneEvent[] = [];
  #cancelRequested = false;
  readonly #unsubscribe: () => void;

  constructor(api: HostBridge) {
    this.api = api;
    this.#unsubscribe = api.onFinetuneEvent((event) => this.#onEvent(event));
  }

  dispose(): void {
    this.#unsubscribe();
  }

  /**
   * Shows the view for a model and labelled set. Another pair forgets the last comparison; the
   * form keeps its values.
   */
  open(
    inputs: { model: InputRef; testSet: InputRef },
    numClasses: number,
    classNames: string[],
    fromAudit: string | null = null,
  ): void {
    if (this.busy) return;
    const same =
      !this.fromHistory &&
      this.inputs !== null &&
      this.inputs.model.path === inputs.model.path &&
      this.inputs.testSet.path === inputs.testSet.path;
    this.inputs = inputs;
    this.numClasses = Math.max(2, numClasses);
    this.classNames = classNames;
    this.fromAudit = fromAudit;
    if (!same) {
      this.document = null;
      this.documentId = null;
      this.saved = null;
      this.fromHistory = false;
      this.finetuneId = null;
      this.request = null;
      this.pane = 'settings';
      this.#resetExport();
    }
    this.error = null;
  }

  /**
   * Shows a fine-tune read back from the history as its comparison (no model to export);
   * `fromAudit`: the shown audit it was started from, which a new run from here links to.
   */
  showSaved(saved: SavedFinetuneView, fromAudit: string | null): void {
    if (this.busy) return;
    const { model } = saved.document;
    this.inputs = saved.inputs;
    this.numClasses = Math.max(2, model.numClasses);
    this.classNames = classNamesFor(model.numClasses, model.classNames);
    this.fromAudit = fromAudit;
    this.document = saved.document;
    this.documentId = null;
    this.saved = { saved: true, historyId: saved.summary.id };
    this.fromHistory = true;
    this.finetuneId = null;
    this.request = null;
    this.error = null;
    this.#resetExport();
    this.pane = 'comparison';
  }

  /** Back from the comparison to the form (the comparison stays until another run finishes). */
  editSettings(): void {
    if (this.busy) return;
    this.pane = 'settings';
  }

  /** Back to the comparison of the last run, when there is one. */
  showComparison(): void {
    if (this.busy || !this.document) return;
    this.pane = 'comparison';
  }

  buildRequest(): FinetuneSettingsView | null {
    const inputs = this.inputs;
    const form = this.form;
    if (!inputs || !this.canStart) return null;
    return {
      model: inputs.model,
      testSet: inputs.testSet,
      alpha: form.sweep ? [...SWEEP_ALPHAS] : (form.alpha ?? 0),
      epochs: form.epochs ?? undefined,
      batchSize: form.batchSize ?? undefined,
      learningRate: form.learningRate ?? undefined,
      layers: form.layers === 'last' ? `last:${form.lastLayers ?? 1}` : form.layers,
      seed: form.seed ?? undefined,
      fromAudit: this.fromAudit ?? undefined,
    };
  }

  async start(): Promise<void> {
    if (this.busy) return;
    const request = this.buildRequest();
    if (!request) return;
    this.error = null;
    this.request = request;
    this.progress = { phase: 'loading' };
    this.liveEpochs = [];
    this.samples = null;
    this.finetuneId = null;
    this.cancelling = false;
    this.#cancelRequested = false;
    this.#buffered = [];
    this.startedAt = performance.now();
    this.pane = 'training';
    this.#starting = true;
    try {
      const { finetuneId } = await this.api.startFinetune(request);
      this.finetuneId = finetuneId;
    } catch (error) {
      this.#starting = false;
      this.pane = 'settings';
      this.error = errorMessage(error);
      return;
    }
    this.#starting = false;
    const buffered = this.#buffered;
    this.#buffered = [];
    for (const event of buffered) this.#onEvent(event);
    if (this.#cancelRequested && this.pane === 'training') await this.cancel();
  }

  async cancel(): Promise<void> {
    if (this.pane !== 'training') return;
    this.cancelling = true;
    if (!this.finetuneId) {
      this.#cancelRequested = true;
      return;
    }
    try {
      await this.api.cancelFinetune(this.finetuneId);
    } catch (error) {
      // It may have just finished; its 'finetune-done' event decides what shows.
      this.cancelling = false;
      this.error = errorMessage(error);
    }
  }

  /** Saves the shown fine-tune again, when the history could not take it as it finished. */
  async saveAgain(): Promise<void> {
    const id = this.documentId;
    if (!id || !this.saved || this.saved.saved || this.savingAgain) return;
    this.savingAgain = true;
    let saved: SaveOutcome;
    try {
      saved = await this.api.saveFinetuneAgain(id);
    } catch (error) {
      saved = { saved: false, reason: errorMessage(error) };
    } finally {
      this.savingAgain = false;
    }
    if (this.documentId === id) this.saved = saved;
  }

  async exportModel(): Promise<void> {
    const id = this.documentId;
    if (!id || !this.document || this.exporting) return;
    this.exporting = true;
    this.exportError = null;
    try {
      const arm = this.exportArm;
      const where = await this.api.exportFinetunedModel(id, arm);
      if (where !== null) {
        this.exportedTo = where;
        this.exportedArm = arm;
      }
    } catch (error) {
      this.exportError = errorMessage(error);
    } finally {
      this.exporting = false;
    }
  }

  #resetExport(): void {
    this.exporting = false;
    this.exportedTo = null;
    this.exportedArm = null;
    this.exportArm = 'smoothed';
    this.exportError = null;
  }

  #onEvent(event: FinetuneEvent): void {
    if (this.#starting && this.finetuneId === null) {
      this.#buffered.push(event);
      return;
    }
    if (event.finetuneId !== this.finetuneId || this.pane !== 'training') return;
    switch (event.type) {
      case 'finetune-progress': {
        this.progress = event.progress;
        const { done, total } = event.progress;
        if (event.progress.phase !== 'training') this.samples = null;
        else if (done !== undefined && total !== undefined) this.samples = { done, total };
        const epoch = event.progress.completedEpoch;
        if (epoch) this.liveEpochs = [...this.liveEpochs, epoch];
        break;
      }
      case 'finetune-done':
        this.document = event.finetune;
        this.documentId = event.finetuneId;
        this.saved = event.history;
        this.fromHistory = false;
        this.#resetExport();
        this.pane = 'comparison';
        this.cancelling = false;
        break;
      case 'finetune-failed':
        this.pane = 'settings';
        this.cancelling = false;
        this.error = errorMessage(event.error);
        break;
      case 'finetune-cancelled':
        this.pane = 'settings';
        this.cancelling = false;
        break;
    }
  }
}
