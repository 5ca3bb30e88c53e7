import type { CalibrationAuditApi, InputPurpose, InputRef } from './api';

/**
 * The API as the renderer holds it: the shared calls plus turning a drop into something the host can
 * open (Electron: the dropped path via webUtils; browser: an upload into the host's workspace).
 * Kept apart from api.ts because it needs the DOM's DataTransfer.
 */
export interface HostBridge extends CalibrationAuditApi {
  resolveDrop(purpose: InputPurpose, drop: DataTransfer): Promise<InputRef>;
}

/**
 * What the Electron preload exposes as `window.calibrationAudit`. Neither a DataTransfer nor (before
 * Electron 29) a File can cross the context bridge, so the preload watches drops itself and hands the
 * renderer the dropped paths; the renderer does the rest.
 */
export interface PreloadBridge extends CalibrationAuditApi {
  /** The paths of the files and folders in the page's latest drop ('' for one with no path). */
  droppedPaths(): string[];
}
