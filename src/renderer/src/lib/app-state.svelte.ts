import type {
  AuditEvent,
  AuditProgressView,
  AuditSettings,
  AuditView,
  ChooseKind,
  HostCommand,
  InputPurpose,
  InputRef,
  ReportPageSize,
  SavedFinetuneView,
  SortedDrop,
} from '../../../shared/api';
import type { CsvPreview, DatasetSummary, ModelSummary } from '../../../shared/audit-document';
import type { AuditSummary, FinetuneSummary } from '../../../shared/history';
import type { HostBridge, TransferProgress } from '../../../shared/host-bridge';
import { FinetuneState } from '../components/finetune/finetune-state.svelte';
import { HistoryState } from '../components/history/history-state.svelte';
import { classNamesFor } from './class-names';
import { errorMessage } from './errors';

/** Exporting the shown audit's report as a PDF: its paper, and how the last export went. */
export class PdfExport {
  pageSize = $state<ReportPageSize>('A4');
  busy = $state(false);
  /** Where the last export went. */
  result = $state<string | null>(null);
  error = $state<string | null>(null);

  reset(): void {
    this.busy = false;
    this.result = null;
    this.error = null;
  }
}

export type ViewName = 'start' | 'running' | 'audit' | 'finetune' | 'history';

/** One of the two inputs of the start view. */
export interface InputSlot<Summary> {
  ref: InputRef | null;
  summary: Summary | null;
  /** Resolving a drop, waiting for the picker, or inspecting. */
  busy: boolean;
  error: string | null;
  /** While its files are uploaded (browser host): how far, and since when (performance.now()). */
  transfer: (TransferProgress & { startedAt: number }) | null;
  /** While a test set is opened: an image folder's files read of those found. */
  reading: { done: number; total: number } | null;
}

function emptySlot<Summary>(): InputSlot<Summary> {
  return { ref: null, summary: null, busy: false, error: null, transfer: null, reading: null };
}

/**
 * The app's state: which view shows, the two inputs, the running audit and the finished one.
 * Views switch by state: start → running → audit (and back to start on cancel, failure or "New audit").
 */
export class AppState {
  readonly api: HostBridge;
  /** The fine-tune view of the shown audit's model and test set. */
  readonly finetune: FinetuneState;
  /** The saved audits, their comparisons and trends. */
  readonly history: HistoryState;

  view = $state<ViewName>('start');
  model = $state<InputSlot<ModelSummary>>(emptySlot());
  testSet = $state<InputSlot<DatasetSummary>>(emptySlot());

  /** A CSV test set as it will be read (first rows, label column, class mapping); null for others. */
  csv = $state.raw<CsvPreview | null>(null);
  /** The CSV label column the user chose (null: the obvious one). */
  labelColumn = $state<string | null>(null);
  /** What a drop of several items was sorted into, and what of it was left out. */
  dropNote = $state<string | null>(null);
  /** Saved audits being reopened as inputs (the recent-inputs list), by history id. */
  reusing = $state<number | null>(null);

  /** Why the last audit could not start or finished with an error. */
  runError = $state<string | null>(null);
  demoBusy = $state(false);
  demoError = $state<string | null>(null);

  auditId = $state<string | null>(null);
  progress = $state<AuditProgressView | null>(null);
  startedAt = $state(0);
  cancelling = $state(false);

  /** The finished audit; raw because its per-sample arrays are large and never mutated. */
  audit = $state.raw<AuditView | null>(null);
  /** The inputs the shown audit was run on (thumbnails need them). */
  auditInputs = $state.raw<{ model: InputRef; testSet: InputRef } | null>(null);
  /** The shown audit was read back from the history rather than just run. */
  auditOpened = $state(false);
  /** The shown saved audit's inputs that are no longer where it ran (no thumbnails, no fine-tune). */
  missingInputs = $state.raw<InputPurpose[]>([]);
  /** The saved fine-tunes started from the shown audit (when it was opened from the history). */
  savedFinetunes = $state.raw<FinetuneSummary[]>([]);
  /** The shown audit is being saved again (after the history refused it). */
  savingAgain = $state(false);
  /** Why a saved fine-tune of the shown audit could not be opened. */
  savedFinetuneError = $state<string | null>(null);
  /** A saved audit or fine-tune being read back (its history id). */
  opening = $state<number | null>(null);

  readonly canRun = $derived(
    this.model.summary !== null &&
      this.testSet.summary !== null &&
      !this.model.busy &&
      !this.testSet.busy &&
      !this.demoBusy,
  );

  /** The "Export PDF" of the audit view (and Electron's File menu). */
  readonly pdfExport = new PdfExport();

  #tokens: Record<InputPurpose, number> = { model: 0, testSet: 0 };
  #starting = false;
  #buffered: AuditEvent[] = [];
  #cancelRequested = false;
  readonly #unsubscribe: (() => void)[];

  constructor(api: HostBridge) {
    this.api = api;
    this.finetune = new FinetuneState(api);
    this.history = new HistoryState(api);
    this.#unsubscribe = [
      () => this.finetune.dispose(),
      api.onAuditEvent((event) => this.#onEvent(event)),
      api.onInspectProgress((event) => {
        if (this.testSet.busy && this.testSet.ref?.path === event.input)
          this.testSet.reading = { done: event.done, total: event.total };
      }),
      api.onTransfer((progress) => {
        const slot = this.#slot(progress.purpose);
        const startedAt = slot.transfer?.startedAt ?? performance.now();
        slot.transfer = progress.files < progress.totalFiles ? { ...progress, startedAt } : null;
      }),
      api.onHostCommand((command) => this.#onCommand(command)),
    ];
  }

  dispose(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  /** Commands from the host's own UI (Electron's menu): ignored while an audit or a fine-tune runs. */
  #onCommand(command: HostCommand): void {
    if (command.type === 'export-pdf') {
      if (this.view === 'audit') void this.exportPdf();
      return;
    }
    if (this.view === 'running' || this.finetune.busy) return;
    if (command.type === 'history') {
      this.openHistory();
      return;
    }
    if (this.view !== 'start') this.newAudit();
    if (command.type === 'demo') void this.runDemo();
    else void this.#provide(command.purpose, () => Promise.resolve(command.input));
  }

  #slot(purpose: InputPurpose): InputSlot<ModelSummary> | InputSlot<DatasetSummary> {
    return purpose === 'model' ? this.model : this.testSet;
  }

  /** Files dropped on a drop zone: they replace that input. */
  drop(purpose: InputPurpose, dataTransfer: DataTransfer): Promise<void> {
    return this.#provide(purpose, () => this.api.resolveDrop(purpose, dataTransfer));
  }

  /** The picker (a native dialog, or the browser's file chooser); cancelling it keeps the input. */
  choose(purpose: InputPurpose, kind: ChooseKind = 'files'): Promise<void> {
    return this.#provide(purpose, () => this.api.chooseInput(purpose, kind));
  }

  /** Stops an upload under way (browser host); the input stays as it was before. */
  cancelTransfer(purpose: InputPurpose): void {
    this.#tokens[purpose]++;
    const slot = this.#slot(purpose);
    slot.busy = false;
    slot.transfer = null;
    this.api.cancelTransfer(purpose);
  }

  /** Another label column for the CSV test set: read again against the model. */
  async chooseLabelColumn(column: string): Promise<void> {
    if (!this.testSet.ref || column === this.labelColumn) return;
    this.labelColumn = column;
    this.testSet.summary = null;
    await this.#inspectTestSet(++this.#tokens.testSet);
  }

  /** The model and test set of a saved audit, opened again as the start view's inputs. */
  async reuseInputs(audit: AuditSummary): Promise<void> {
    if (this.reusing !== null) return;
    this.reusing = audit.id;
    this.runError = null;
    try {
      const saved = await this.api.openSavedAudit(audit.id);
      if (saved.missing.length > 0) {
        this.runError = `The ${saved.missing.map((m) => (m === 'model' ? 'model' : 'test set')).join(' and ')} of "${audit.name}" is no longer where it was.`;
        return;
      }
      const { model, testSet } = saved.inputs;
      if (saved.audit.document.scores) {
        await this.#start({ scores: model }, { model, testSet });
        return;
      }
      // A CSV is read with the label column it was audited with.
      await this.#setBoth(model, testSet, saved.audit.document.dataset.labelColumn ?? null);
    } catch (error) {
      this.runError = errorMessage(error);
    } finally {
      this.reusing = null;
    }
  }

  async #provide(purpose: InputPurpose, getRef: () => Promise<InputRef | null>): Promise<void> {
    const token = ++this.#tokens[purpose];
    const slot = this.#slot(purpose);
    slot.busy = true;
    slot.error = null;
    this.runError = null;
    let ref: InputRef | null;
    try {
      ref = await getRef();
    } catch (error) {
      if (token !== this.#tokens[purpose]) return;
      slot.busy = false;
      slot.error = errorMessage(error);
      return;
    }
    if (token !== this.#tokens[purpose]) return;
    if (!ref) {
      slot.busy = false;
      return;
    }
    this.dropNote = null;
    // Several items at once (a model and a test set dropped together): each goes where it belongs.
    if (ref.items && ref.items.length > 1) {
      let sorted: SortedDrop;
      try {
        sorted = await this.api.sortDrop(ref);
      } catch (error) {
        if (token !== this.#tokens[purpose]) return;
        slot.busy = false;
        slot.error = errorMessage(error);
        return;
      }
      if (token !== this.#tokens[purpose]) return;
      slot.busy = false;
      await this.#useSorted(purpose, sorted);
      return;
    }
    // A score file (labels + predicted probabilities) is audited on its own, whichever zone took it.
    const scores = await this.api.scoreFileFormat(ref).catch(() => null);
    if (token !== this.#tokens[purpose]) return;
    if (scores) {
      slot.busy = false;
      await this.#start({ scores: ref }, { model: ref, testSet: ref });
      return;
    }
    // A test set dropped on the model's zone (or a model on the test set's) goes where it belongs.
    const other: InputPurpose = purpose === 'model' ? 'testSet' : 'model';
    const sorted = await this.api.sortDrop({ ...ref, items: [ref.path] }).catch(() => null);
    if (token !== this.#tokens[purpose]) return;
    if (sorted && sorted[other] && !sorted[purpose]) {
      slot.busy = false;
      this.dropNote = `${ref.label} is ${other === 'model' ? 'a model' : 'a test set'}: it was put in its place.`;
      await this.#setInput(other, { ...ref, path: sorted[other].path }, ++this.#tokens[other]);
      return;
    }
    await this.#setInput(purpose, ref, token);
  }

  async #setInput(purpose: InputPurpose, ref: InputRef, token: number): Promise<void> {
    if (purpose === 'model') {
      this.model.ref = ref;
      this.model.summary = null;
      await this.#inspectModel(token);
    } else {
      this.#newTestSet(ref);
      await this.#inspectTestSet(token);
    }
  }

  #newTestSet(ref: InputRef): void {
    this.testSet.ref = ref;
    this.testSet.summary = null;
    this.testSet.error = null;
    this.csv = null;
    this.labelColumn = null;
  }

  /** Puts a model and a test set in place together, then reads the test set against the model. */
  async #setBoth(
    model: InputRef,
    testSet: InputRef,
    labelColumn: string | null = null,
  ): Promise<void> {
    const modelToken = ++this.#tokens.model;
    ++this.#tokens.testSet;
    this.#newTestSet(testSet);
    this.labelColumn = labelColumn;
    this.testSet.busy = true;
    this.model.ref = model;
    this.model.summary = null;
    this.model.error = null;
    await this.#inspectModel(modelToken);
    if (modelToken === this.#tokens.model && !this.model.summary) this.testSet.busy = false;
  }

  /** A drop of several items, sorted by content: a model, a test set, or a score file on its own. */
  async #useSorted(purpose: InputPurpose, sorted: SortedDrop): Promise<void> {
    const SHOWN = 3;
    const ignored = sorted.ignored.slice(0, SHOWN).map((i) => `${i.name} ${i.reason}`);
    if (sorted.ignored.length > SHOWN) ignored.push(`(and ${sorted.ignored.length - SHOWN} more)`);
    const found = [sorted.model && 'a model', sorted.testSet && 'a test set'].filter(Boolean);
    if (!sorted.model && !sorted.testSet) {
      if (sorted.scores) {
        this.dropNote = ignored.length > 0 ? `Left out: ${ignored.join(' ')}` : null;
        await this.#start(
          { scores: sorted.scores },
          { model: sorted.scores, testSet: sorted.scores },
        );
        return;
      }
      this.#slot(purpose).error =
        `Nothing dropped is a model or a test set. ${ignored.join(' ')}`.trim();
      return;
    }
    if (sorted.scores) ignored.push(`${sorted.scores.label} is a score file, audited only alone.`);
    this.dropNote =
      `Found ${found.join(' and ')} in what was dropped.` +
      (ignored.length > 0 ? ` Left out: ${ignored.join(' ')}` : '');
    if (sorted.model && sorted.testSet) await this.#setBoth(sorted.model, sorted.testSet);
    else if (sorted.model) await this.#setInput('model', sorted.model, ++this.#tokens.model);
    else if (sorted.testSet)
      await this.#setInput('testSet', sorted.testSet, ++this.#tokens.testSet);
  }

  async #inspectModel(token: number): Promise<void> {
    const ref = this.model.ref;
    if (!ref) return;
    this.model.busy = true;
    this.model.error = null;
    try {
      const summary = await this.api.inspectModel(ref);
      if (token !== this.#tokens.model) return;
      this.model.summary = summary;
      this.model.busy = false;
    } catch (error) {
      if (token !== this.#tokens.model) return;
      this.model.busy = false;
      this.model.ref = null;
      this.model.summary = null;
      this.model.error = errorMessage(error);
      // A test set is read against a model: without one its summary no longer holds.
      this.testSet.summary = null;
      return;
    }
    // The test set's labels are mapped to the model's classes: read it again against this model.
    if (this.testSet.ref) await this.#inspectTestSet(++this.#tokens.testSet);
  }

  async #inspectTestSet(token: number): Promise<void> {
    const ref = this.testSet.ref;
    const model = this.model.summary ? this.model.ref : null;
    if (!ref) return;
    if (!model) {
      // Waiting for a model; inspected as soon as one is loaded.
      this.testSet.busy = false;
      return;
    }
    this.testSet.busy = true;
    this.testSet.error = null;
    try {
      // A CSV is shown first (its rows, label column and class mapping); it is read in full only
      // once its label column is known and its labels are the model's classes.
      const preview = await this.api.previewCsv(ref, model, this.labelColumn ?? undefined);
      if (token !== this.#tokens.testSet) return;
      this.csv = preview;
      if (preview && (preview.problems.length > 0 || preview.labelColumn === null)) {
        this.testSet.summary = null;
        this.testSet.busy = false;
        return;
      }
      if (preview) this.labelColumn = preview.labelColumn;
      this.testSet.reading = null;
      const summary = await this.api
        .inspectTestSet(ref, model, this.labelColumn ?? undefined)
        .finally(() => (this.testSet.reading = null));
      if (token !== this.#tokens.testSet) return;
      this.testSet.summary = summary;
      this.testSet.busy = false;
    } catch (error) {
      if (token !== this.#tokens.testSet) return;
      this.testSet.busy = false;
      this.testSet.ref = null;
      this.testSet.summary = null;
      this.testSet.error = errorMessage(error);
    }
  }

  /** Forgets one input (the drop zone's "remove" action); a test set still being read is stopped. */
  clear(purpose: InputPurpose): void {
    this.#tokens[purpose]++;
    const slot = this.#slot(purpose);
    if (purpose === 'testSet' && slot.busy && slot.ref)
      void this.api.cancelInspect(slot.ref).catch(() => undefined);
    slot.ref = null;
    slot.summary = null;
    slot.busy = false;
    slot.error = null;
    slot.transfer = null;
    if (purpose === 'model') this.testSet.summary = null;
    else {
      this.csv = null;
      this.labelColumn = null;
    }
  }

  /** The built-in demo: load both inputs and start the audit right away. */
  async runDemo(): Promise<void> {
    if (this.demoBusy) return;
    this.demoBusy = true;
    this.demoError = null;
    this.runError = null;
    try {
      const { model, testSet } = await this.api.demo();
      const modelToken = this.#tokens.model + 1;
      await this.#setBoth(model, testSet);
      if (modelToken !== this.#tokens.model) return;
    } catch (error) {
      this.demoError = errorMessage(error);
      return;
    } finally {
      this.demoBusy = false;
    }
    if (this.canRun) await this.run();
  }

  async run(): Promise<void> {
    const model = this.model.ref;
    const testSet = this.testSet.ref;
    if (!model || !testSet || !this.canRun) return;
    const labelColumn = this.csv ? (this.labelColumn ?? undefined) : undefined;
    await this.#start({ model, testSet, labelColumn }, { model, testSet });
  }

  /** `inputs`: what the audit view names (a score file is both). */
  async #start(
    settings: AuditSettings,
    inputs: { model: InputRef; testSet: InputRef },
  ): Promise<void> {
    if (this.view === 'running') return;
    this.runError = null;
    this.progress = { phase: 'loading' };
    this.auditId = null;
    this.cancelling = false;
    this.#cancelRequested = false;
    this.#buffered = [];
    this.startedAt = performance.now();
    this.auditInputs = inputs;
    this.view = 'running';
    this.#starting = true;
    try {
      const { auditId } = await this.api.startAudit(settings);
      this.auditId = auditId;
    } catch (error) {
      this.#starting = false;
      this.view = 'start';
      this.runError = errorMessage(error);
      return;
    }
    this.#starting = false;
    const buffered = this.#buffered;
    this.#buffered = [];
    for (const event of buffered) this.#onEvent(event);
    if (this.#cancelRequested && this.view === 'running') await this.cancel();
  }

  async cancel(): Promise<void> {
    if (this.view !== 'running') return;
    this.cancelling = true;
    if (!this.auditId) {
      this.#cancelRequested = true;
      return;
    }
    try {
      await this.api.cancelAudit(this.auditId);
    } catch (error) {
      // The audit may have just finished; its 'done' event decides what shows.
      this.cancelling = false;
      this.runError = errorMessage(error);
    }
  }

  /** Prints the shown audit's report to a PDF (where to: the host asks, or the browser downloads it). */
  async exportPdf(): Promise<void> {
    const audit = this.audit;
    const pdf = this.pdfExport;
    if (this.view !== 'audit' || !audit || pdf.busy) return;
    pdf.busy = true;
    pdf.result = null;
    pdf.error = null;
    try {
      const where = await this.api.exportPdf(audit.auditId, pdf.pageSize);
      if (this.audit !== audit) return;
      pdf.result = where;
    } catch (error) {
      if (this.audit !== audit) return;
      pdf.error = errorMessage(error);
    } finally {
      pdf.busy = false;
    }
  }

  /** Saves the shown audit again, when the history could not take it as it finished. */
  async saveAuditAgain(): Promise<void> {
    const audit = this.audit;
    if (this.view !== 'audit' || !audit || audit.history.saved || this.savingAgain) return;
    this.savingAgain = true;
    let history: AuditView['history'];
    try {
      history = await this.api.saveAuditAgain(audit.auditId);
    } catch (error) {
      history = { saved: false, reason: errorMessage(error) };
    } finally {
      this.savingAgain = false;
    }
    if (this.audit === audit) this.audit = { ...audit, history };
  }

  /** The fine-tune view for the shown audit's model and test set. */
  openFinetune(): void {
    const audit = this.audit;
    const inputs = this.auditInputs;
    if (this.view !== 'audit' || !audit || !inputs) return;
    const { numClasses, provenance } = audit.document;
    this.finetune.open(
      inputs,
      numClasses,
      classNamesFor(numClasses, provenance.classNames),
      audit.auditId,
    );
    this.view = 'finetune';
  }

  /** The saved audits (not while an audit or a fine-tune runs). */
  openHistory(): void {
    if (this.view === 'running' || this.finetune.busy) return;
    this.history.backToList();
    this.view = 'history';
    void this.history.refresh();
  }

  /** Reads a saved audit back into the audit view; nothing is recomputed. */
  async openSavedAudit(historyId: number): Promise<void> {
    if (this.opening !== null || this.view === 'running' || this.finetune.busy) return;
    this.opening = historyId;
    this.history.error = null;
    try {
      const saved = await this.api.openSavedAudit(historyId);
      this.pdfExport.reset();
      this.audit = saved.audit;
      this.auditInputs = saved.inputs;
      this.savedFinetunes = saved.finetunes;
      this.savedFinetuneError = null;
      this.missingInputs = saved.missing;
      this.auditOpened = true;
      this.auditId = null;
      this.view = 'audit';
    } catch (error) {
      this.history.error = errorMessage(error);
      this.view = 'history';
    } finally {
      this.opening = null;
    }
  }

  /** Shows a saved fine-tune of the shown audit as its comparison. */
  async openSavedFinetune(historyId: number): Promise<void> {
    const audit = this.audit;
    const inputs = this.auditInputs;
    if (this.view !== 'audit' || !audit || !inputs || this.opening !== null) return;
    this.opening = historyId;
    this.savedFinetuneError = null;
    try {
      const saved = await this.api.openSavedFinetune(historyId);
      if (this.audit !== audit) return;
      this.finetune.showSaved(saved, audit.auditId);
      this.view = 'finetune';
    } catch (error) {
      if (this.audit === audit) this.savedFinetuneError = errorMessage(error);
    } finally {
      this.opening = null;
    }
  }

  /**
   * A saved fine-tune from the history's list: with the audit it started from when there is one
   * (so that "Back" leads to it), else on its own (the command line's fine-tunes).
   */
  async openFinetuneFromHistory(summary: FinetuneSummary): Promise<void> {
    if (summary.auditId !== null) {
      await this.openSavedAudit(summary.auditId);
      if (this.view === 'audit') await this.openSavedFinetune(summary.id);
      return;
    }
    if (this.opening !== null || this.view === 'running' || this.finetune.busy) return;
    this.opening = summary.id;
    this.history.error = null;
    try {
      const saved = await this.api.openSavedFinetune(summary.id);
      this.audit = null;
      this.auditInputs = null;
      this.savedFinetunes = [];
      this.finetune.showSaved(saved, null);
      this.view = 'finetune';
    } catch (error) {
      this.history.error = errorMessage(error);
    } finally {
      this.opening = null;
    }
  }

  /** A saved fine-tune by its history id (an address like #/finetune/7), with its audit when it has one. */
  async openFinetuneById(historyId: number): Promise<void> {
    if (this.opening !== null || this.view === 'running' || this.finetune.busy) return;
    this.opening = historyId;
    this.history.error = null;
    let saved: SavedFinetuneView;
    try {
      saved = await this.api.openSavedFinetune(historyId);
    } catch (error) {
      this.history.error = errorMessage(error);
      this.opening = null;
      this.openHistory();
      return;
    }
    this.opening = null;
    await this.openFinetuneFromHistory(saved.summary);
  }

  /** Back from the fine-tune view to its audit, or to the history it was opened from. */
  closeFinetune(): void {
    if (this.view !== 'finetune' || this.finetune.busy) return;
    if (this.audit) this.view = 'audit';
    else if (this.finetune.fromHistory) this.openHistory();
    else this.view = 'start';
  }

  /** Back to the start view with the inputs still loaded. */
  newAudit(): void {
    if (this.finetune.busy) return;
    this.view = 'start';
    this.audit = null;
    this.auditId = null;
    this.progress = null;
  }

  #onEvent(event: AuditEvent): void {
    if (this.#starting && this.auditId === null) {
      this.#buffered.push(event);
      return;
    }
    if (event.auditId !== this.auditId || this.view !== 'running') return;
    switch (event.type) {
      case 'progress':
        this.progress = event.progress;
        break;
      case 'done':
        this.pdfExport.reset();
        this.savedFinetunes = [];
        this.missingInputs = [];
        this.auditOpened = false;
        this.audit = event.audit;
        this.view = 'audit';
        this.cancelling = false;
        break;
      case 'failed':
        this.view = 'start';
        this.cancelling = false;
        this.runError = errorMessage(event.error);
        break;
      case 'cancelled':
        this.view = 'start';
        this.cancelling = false;
        break;
    }
  }
}
