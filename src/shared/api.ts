import type {
  AuditDocument,
  BackendName,
  CsvPreview,
  DatasetSummary,
  ModelSummary,
  PixelScaling,
  ScoreFileFormat,
} from './audit-document';
import type {
  ExportableArm,
  FinetuneDocument,
  FinetuneEpoch,
  PostHocDocument,
} from './finetune-document';
import type { AuditComparison, AuditSummary, FinetuneSummary, TrendPoint } from './history';

/**
 * The one typed API the renderer talks to. The Electron host implements it in its preload (IPC to the
 * main process); the browser host implements it in the page (HTTP to a localhost server). Everything
 * that crosses it is plain JSON. Dropped files are the one thing that needs the DOM: see host-bridge.ts.
 */
export interface CalibrationAuditApi {
  readonly host: 'electron' | 'browser';

  /** The built-in demo: a Fashion-MNIST CNN and the real Fashion-MNIST test split. */
  demo(): Promise<{ model: InputRef; testSet: InputRef }>;

  /**
   * Asks the user for a model or a test set (a native dialog, or the browser's file picker): one or
   * several files (`files`, the default: a .keras/.h5/.onnx model, a CSV, IDX files, model.json with
   * its shards, a score file…) or a folder. Several files come back as one InputRef with `items`.
   */
  chooseInput(purpose: InputPurpose, kind?: ChooseKind): Promise<InputRef | null>;

  /** Opens a model: what it is, and whether (and which layers) it can be fine-tuned. */
  inspectModel(model: InputRef): Promise<ModelSummary>;
  /**
   * Opens a test set against a model (labels are mapped to the model's classes); `labelColumn`
   * names a CSV's label column when it is not the obvious one.
   */
  inspectTestSet(testSet: InputRef, model: InputRef, labelColumn?: string): Promise<DatasetSummary>;
  /**
   * A CSV test set shown before running: its first rows, the label column (`labelColumn`, else the
   * obvious one), the feature columns against the model's input, and the class mapping with unknown
   * labels named. Null when the test set is not a CSV. A wrong choice is listed in `problems`, not thrown.
   */
  previewCsv(testSet: InputRef, model: InputRef, labelColumn?: string): Promise<CsvPreview | null>;
  /**
   * Several items dropped or chosen at once (an InputRef with `items`, or a folder): each told by its
   * content, so that a model and a test set dropped together go where they belong.
   */
  sortDrop(drop: InputRef): Promise<SortedDrop>;

  /**
   * Whether a dropped or chosen file (or folder) is a score file (per-sample labels and predicted
   * probabilities or logits), told by its name and first bytes; null when it is not one. A score file
   * is audited on its own, without a model.
   */
  scoreFileFormat(input: InputRef): Promise<ScoreFileFormat | null>;

  /** Starts an audit; progress and the outcome arrive as AuditEvents. */
  startAudit(request: AuditSettings): Promise<{ auditId: string }>;
  cancelAudit(auditId: string): Promise<void>;
  onAuditEvent(listener: (event: AuditEvent) => void): () => void;

  /**
   * While a test set is inspected: an image folder's files read of those found (reading 1,159
   * photos takes a while); `input` is the InputRef path given to inspectTestSet.
   */
  onInspectProgress(listener: (event: InspectProgressEvent) => void): () => void;
  /** Stops inspecting a test set (reading a large folder) that the window no longer wants. */
  cancelInspect(testSet: InputRef): Promise<void>;

  /** A PNG data URL of one test sample (for flagged mistakes), when the test set has images. */
  thumbnail(testSet: InputRef, model: InputRef, sampleId: string): Promise<string | null>;
  /**
   * One sample of a shown audit (AuditView.auditId) by its id: its top classes with their
   * probabilities, and a CSV row's values (the detail of a flagged mistake).
   */
  sampleDetail(auditId: string, sampleId: string): Promise<SampleDetail>;

  /** Starts a label-smoothing fine-tune and its comparison; progress and outcome arrive as FinetuneEvents. */
  startFinetune(request: FinetuneSettingsView): Promise<{ finetuneId: string }>;
  cancelFinetune(finetuneId: string): Promise<void>;
  onFinetuneEvent(listener: (event: FinetuneEvent) => void): () => void;
  /**
   * The post-hoc calibrators alone on a finished audit's scores (a score file, or an ONNX model's
   * outputs, which cannot be fine-tuned): calibration/evaluation halves, every applicable calibrator,
   * the arm table with paired-bootstrap changes. Runs in the engine; resolves with the comparison.
   */
  comparePostHoc(auditId: string): Promise<PostHocDocument>;
  /**
   * Saves one arm of a finished fine-tune as a TF.js Layers folder: `smoothed` (the default, the fine-tuned
   * model) or a post-hoc arm (the original model with its map appended as layers, or with
   * calibration-map.json for binning). Electron asks for a folder; the browser downloads a zip. Resolves
   * with where it went, or null when the user cancelled.
   */
  exportFinetunedModel(finetuneId: string, arm?: ExportableArm): Promise<string | null>;
  /**
   * Prints a finished audit's report to a PDF: Electron asks where to save it; the browser downloads it.
   * Resolves with where it went, or null when the user cancelled.
   */
  exportPdf(auditId: string, pageSize: ReportPageSize): Promise<string | null>;

  /** A report registered by the host for printing (the `#report=<id>` view); null when unknown. */
  getReport(reportId: string): Promise<ReportData | null>;

  /** Commands from the host's own UI (Electron's menu); the browser host sends none. */
  onHostCommand(listener: (command: HostCommand) => void): () => void;

  /**
   * Saves a finished audit that could not be saved when it ended (opening the history again first
   * when it could not be opened); the outcome says whether it is saved now.
   */
  saveAuditAgain(auditId: string): Promise<SaveOutcome>;
  /** The same for a finished fine-tune. */
  saveFinetuneAgain(finetuneId: string): Promise<SaveOutcome>;
  /** The tfjs backend the engine runs on (native TensorFlow, WebAssembly or plain JS) and why not a faster one. */
  engineBackend(): Promise<EngineBackend>;
  /** The history database: where it is, and whether audits are being saved to it. */
  historyStatus(): Promise<HistoryStatus>;
  /** Opens the history again (after the program that locked it has closed, say). */
  reopenHistory(): Promise<HistoryStatus>;
  /** Saved audits, newest first. */
  listAudits(): Promise<AuditSummary[]>;
  /** A saved audit read back as it was saved: nothing is recomputed. */
  openSavedAudit(historyId: number): Promise<SavedAuditView>;
  renameAudit(historyId: number, name: string): Promise<void>;
  /** Deletes a saved audit with its per-sample results and the fine-tunes started from it. */
  deleteAudit(historyId: number): Promise<void>;
  /** b − a for two saved audits of the same test set, with paired-bootstrap intervals. */
  compareAudits(a: number, b: number): Promise<AuditComparisonView>;
  /** The saved audits of one model (by fingerprint), oldest first. */
  auditTrend(modelFingerprint: string): Promise<TrendPoint[]>;
  /** Saved fine-tunes, newest first (those started from an audit, and the command line's). */
  listFinetunes(): Promise<FinetuneSummary[]>;
  /** A saved fine-tune read back as it was saved. */
  openSavedFinetune(historyId: number): Promise<SavedFinetuneView>;
  renameFinetune(historyId: number, name: string): Promise<void>;
  deleteFinetune(historyId: number): Promise<void>;
}

/** Where audits are kept, and what the user should know about it. */
export interface HistoryStatus {
  /** The database file. */
  file: string;
  /** `ready`: audits are saved; `read-only`: past audits can be read, new ones are not saved; `unavailable`: neither. */
  state: 'ready' | 'read-only' | 'unavailable';
  /** Why the history is read-only or unavailable, or that a damaged file was moved aside. */
  notice: string | null;
}

/** Whether a finished audit or fine-tune went into the history. */
export type SaveOutcome = { saved: true; historyId: number } | { saved: false; reason: string };

export interface SavedAuditView {
  audit: AuditView;
  summary: AuditSummary;
  /** The model and test set where they were when the audit ran (thumbnails read them if still there). */
  inputs: { model: InputRef; testSet: InputRef };
  /** Those of `inputs` that are no longer there: no thumbnails, no fine-tuning. */
  missing: InputPurpose[];
  /** Fine-tunes started from this audit, newest first. */
  finetunes: FinetuneSummary[];
}

export interface AuditComparisonView extends AuditComparison {
  /** Both audits' documents as saved (their bins and intervals for the side-by-side views). */
  documents: { a: AuditDocument; b: AuditDocument };
}

export interface SavedFinetuneView {
  summary: FinetuneSummary;
  document: FinetuneDocument;
  /** The model and labelled set where they were when it ran. */
  inputs: { model: InputRef; testSet: InputRef };
}

export type HostCommand =
  | { type: 'demo' }
  | { type: 'input'; purpose: InputPurpose; input: InputRef }
  /** Export the shown audit's report as a PDF (ignored when no audit is shown). */
  | { type: 'export-pdf' }
  /** Show the saved audits. */
  | { type: 'history' };

/** The paper a report is printed on. */
export type ReportPageSize = 'A4' | 'Letter';

export type InputPurpose = 'model' | 'testSet';

/** What a picker asks for: files, or one folder (no picker on Linux or Windows offers both at once). */
export type ChooseKind = 'files' | 'folder';

/** Something the host can open: a path on the host's machine, and a name to show. */
export interface InputRef {
  path: string;
  label: string;
  /** Several items dropped or chosen together (paths inside `path` or granted with it): see sortDrop. */
  items?: string[];
}

/** A drop of several items, sorted by content (see CalibrationAuditApi.sortDrop). */
export interface SortedDrop {
  model: InputRef | null;
  testSet: InputRef | null;
  /** A score file: audited on its own. */
  scores: InputRef | null;
  /** Items that are none of these (or a second of one kind), each named with why. */
  ignored: { name: string; reason: string }[];
}

interface AuditSettingsBase {
  bins?: number;
  bootstrapResamples?: number;
  seed?: number;
  labelColumn?: string;
}

/** A model run over a test set. */
export interface ModelAuditSettings extends AuditSettingsBase {
  model: InputRef;
  testSet: InputRef;
  scaling?: PixelScaling;
  scores?: undefined;
}

/** A score file audited on its own (no model, so no fine-tuning). */
export interface ScoreFileAuditSettings extends AuditSettingsBase {
  scores: InputRef;
  /** Class names in class order, when the file does not name its classes. */
  classNames?: string[];
  model?: undefined;
  testSet?: undefined;
}

export type AuditSettings = ModelAuditSettings | ScoreFileAuditSettings;

/**
 * While loading, `done` / `total` are the test set's files read / found (image folders); during
 * inference, images predicted / images to predict (the total drops if an image fails to decode).
 */
export interface AuditProgressView {
  phase: 'loading' | 'inference' | 'metrics';
  /** Set while the audit waits for another audit or fine-tune to finish: its place in line (1 = next). */
  queued?: number;
  done?: number;
  total?: number;
  rate?: number;
  etaSeconds?: number | null;
}

/** A finished audit as the views need it: the document plus per-sample confidence for re-binning. */
export interface AuditView {
  auditId: string;
  document: AuditDocument;
  /** Top-label confidence per sample, in test-set order. */
  confidences: number[];
  /** 1 where the prediction is right, 0 where wrong, in test-set order. */
  correct: number[];
  /** Whether (and as what) it is kept in the history. */
  history: SaveOutcome;
}

/** One sample of an audit, as the detail of a flagged mistake shows it. */
export interface SampleDetail {
  id: string;
  /** Its position in the test set. */
  index: number;
  label: number;
  prediction: number;
  /** The classes the model gave most probability, most first (up to five). */
  top: { classIndex: number; probability: number }[];
  /** A CSV row's columns as written; null when the test set is not a CSV or is no longer there. */
  values: { column: string; value: string }[] | null;
}

/** Everything the printable report shows: the audit, and the fine-tune when there is one. */
export interface ReportData {
  audit: AuditView;
  finetune: FinetuneDocument | null;
  testSet: InputRef | null;
  model: InputRef | null;
}

/** A problem the user can act on; `file` names the file it is in when there is one. */
export interface ApiError {
  /** `busy`: the host is running as much as it takes; try again later (HTTP 429). */
  kind: 'input' | 'busy' | 'internal';
  file?: string;
  message: string;
}

export type AuditEvent =
  | { type: 'progress'; auditId: string; progress: AuditProgressView }
  | { type: 'done'; auditId: string; audit: AuditView }
  | { type: 'failed'; auditId: string; error: ApiError }
  | { type: 'cancelled'; auditId: string };

/** What the fine-tune view asks for (see FinetuneRequest in src/engine/finetune/finetune.ts). */
export interface FinetuneSettingsView {
  model: InputRef;
  /** The labelled set, split into fine-tune / calibration / evaluation parts. */
  testSet: InputRef;
  /** A separate fine-tuning set; then the labelled set gives calibration and evaluation only. */
  trainSet?: InputRef;
  /** One alpha in [0, 1), or several for a sweep chosen by calibration-part NLL. */
  alpha: number | number[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** 'head', 'all' or 'last:N'. */
  layers?: string;
  seed?: number;
  /** The audit (AuditView.auditId) it was started from: the history links the two. */
  fromAudit?: string;
}

export interface FinetuneProgressView {
  phase: 'loading' | 'original' | 'training' | 'metrics' | 'export';
  /** Set while the fine-tune waits for another audit or fine-tune to finish: its place in line. */
  queued?: number;
  arm?: 'control' | 'smoothed';
  alpha?: number;
  run?: number;
  runs?: number;
  epoch?: number;
  epochs?: number;
  done?: number;
  total?: number;
  /** Set when an epoch ends: its loss, accuracy and calibration-part ECE (for live curves). */
  completedEpoch?: FinetuneEpoch;
}

export type FinetuneEvent =
  | { type: 'finetune-progress'; finetuneId: string; progress: FinetuneProgressView }
  | {
      type: 'finetune-done';
      finetuneId: string;
      finetune: FinetuneDocument;
      history: SaveOutcome;
    }
  | { type: 'finetune-failed'; finetuneId: string; error: ApiError }
  | { type: 'finetune-cancelled'; finetuneId: string };

/** How far inspecting a test set has got (an image folder's files read of those found). */
export interface InspectProgressEvent {
  type: 'inspect-progress';
  input: string;
  done: number;
  total: number;
}

/** Everything a host pushes to the window. */
export type HostEvent = AuditEvent | FinetuneEvent | InspectProgressEvent;

export function isFinetuneEvent(event: HostEvent): event is FinetuneEvent {
  return event.type.startsWith('finetune-');
}

export function isInspectEvent(event: HostEvent): event is InspectProgressEvent {
  return event.type === 'inspect-progress';
}

export function isAuditEvent(event: HostEvent): event is AuditEvent {
  return !isFinetuneEvent(event) && !isInspectEvent(event);
}

/** The backend the engine picked: the fastest that loaded, with why each faster one did not. */
export interface EngineBackend {
  name: BackendName;
  /** E.g. "tensorflow: @tensorflow/tfjs-node is not installed …". */
  fallbacks: string[];
}
