import type { CalibrationAuditApi, InputPurpose, InputRef } from './api';

/**
 * The API as the renderer holds it: the shared calls plus turning a drop into something the host can
 * open (Electron: the dropped path via webUtils; browser: an upload into the host's workspace).
 * Kept apart from api.ts because it needs the DOM's DataTransfer.
 */
export interface HostBridge extends CalibrationAuditApi {
  resolveDrop(purpose: InputPurpose, drop: DataTransfer): Promise<InputRef>;
  /**
   * Files sent to the host so far while a drop or a pick is uploaded (the browser host copies every
   * file into its workspace; Electron opens them where they are and never calls the listener).
   */
  onTransfer(listener: (progress: TransferProgress) => void): () => void;
  /** Stops the upload of a drop or a pick for that input (nothing was opened yet). */
  cancelTransfer(purpose: InputPurpose): void;
}

/** How far an upload has got. */
export interface TransferProgress {
  purpose: InputPurpose;
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
}

/**
 * What the Electron preload exposes as `window.calibrationAudit`. Neither a DataTransfer nor (before
 * Electron 29) a File can cross the context bridge, so the preload watches drops itself: it turns the
 * latest drop's files into paths (webUtils, or File.path before Electron 29) and has the main process
 * grant them, so that the service opens them (and nothing the page merely names).
 */
export interface PreloadBridge extends CalibrationAuditApi {
  /** Grants the page's latest drop and returns it as one input (several files: their folder). */
  grantDroppedFiles(): Promise<InputRef>;
}
