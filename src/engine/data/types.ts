/** How pixel values 0..255 are mapped before they reach the model. */
/** x/255 (default), x/127.5 − 1, x as is, or (x/255 − mean)/std with ImageNet's per-channel statistics. */
export type PixelScaling = '0-1' | '-1-1' | '0-255' | 'imagenet';

export type InputSpec =
  | { kind: 'image'; height: number; width: number; channels: 1 | 3 | 4 }
  /** `names`: read these CSV columns by name (a model with one input per column), else by count. */
  | { kind: 'features'; size: number; names?: string[] };

export type DatasetFormat = 'image-folder' | 'csv' | 'idx';

export interface DatasetOptions {
  /** From the model's input shape. */
  input: InputSpec;
  /** The model's class names, when it has them. */
  classNames: string[] | null;
  /** The model's number of classes K. */
  numClasses: number;
  /** Default '0-1'. Applies to pixels only: plain CSV features are passed as they are. */
  scaling?: PixelScaling;
  /** 'center' = centre square crop before resizing (Teachable Machine); default 'none'. */
  crop?: 'center' | 'none';
  /** CSV only: the column that holds the labels. */
  labelColumn?: string;
  /** Stops the scan of `openDataset` (which reads the whole test set once). */
  signal?: AbortSignal;
  /** Image folders: files found and read so far while the folder is opened. */
  onProgress?: (progress: OpenProgress) => void;
}

/** How far opening a test set has got: `read` of the `found` files. */
export interface OpenProgress {
  found: number;
  read: number;
}

export interface SkippedFile {
  /** Relative to the test set folder, with '/' separators (like image ids). */
  file: string;
  reason: string;
}

export interface DatasetInfo {
  /** The test set actually opened: for IDX, the images file chosen. */
  path: string;
  /** IDX only: the labels file paired with `path`. */
  labelsPath?: string;
  format: DatasetFormat;
  /** Readable samples, after skipping. */
  sampleCount: number;
  /** Length numClasses, by model class index. */
  countsPerClass: number[];
  /** sha256 hex over the content, independent of directory listing order. */
  fingerprint: string;
  skipped: SkippedFile[];
  /** A CSV of features: the columns fed to the model, in order (matched by count and order). */
  featureColumns?: string[];
  /** A CSV: the column that held the labels. */
  labelColumn?: string;
  /** What the user should know about how it was read (which files of a folder were used and which left out). */
  notes?: string[];
}

export interface Batch {
  /** Relative image path, 'row:N' for CSV (1-based data row) or its id column, 'idx:N' for IDX (0-based). */
  ids: string[];
  /** count * (H*W*C) in NHWC order, or count * size for features. */
  x: Float32Array;
  /** Model class indices. */
  labels: Int32Array;
  count: number;
  /**
   * Image folders: the same samples as 8-bit pixels before scaling (count * H*W*C), so that a
   * caller that keeps them (fine-tuning) needs a quarter of the memory of `x`.
   */
  pixels?: { data: Uint8Array; scaling: PixelScaling; channels: number };
  /**
   * Image folders: files that passed the header check when the folder was opened but failed to
   * decode now. They are left out of this batch and have been added to `info.skipped`
   * (`sampleCount` and `countsPerClass` lowered accordingly).
   */
  skipped?: SkippedFile[];
}

export interface OpenedDataset {
  info: DatasetInfo;
  /** Decodes batch by batch; throws the signal's reason (an AbortError) once aborted. */
  batches(batchSize: number, signal?: AbortSignal): AsyncGenerator<Batch>;
  /** Decoded thumbnail of one sample for the UI (grayscale or RGB, as PNG bytes), by id. */
  thumbnail(id: string, size?: number): Promise<Uint8Array>;
  /** A CSV row's columns and values as written (its detail in the UI), by id; CSV test sets only. */
  values?(id: string): Promise<SampleValue[]>;
}

/** One column of a test-set row, as written in the file. */
export interface SampleValue {
  column: string;
  value: string;
}
