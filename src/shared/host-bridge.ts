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
 * What the Electron preload exposes as `window.calibrationAudit`. A DataTransfer cannot cross the
 * context bridge but a File can: the preload turns the dropped files into paths (webUtils) and has the
 * main process grant them, so that the service opens them (and nothing the page merely names).
 */
export interface PreloadBridge extends CalibrationAuditApi {
  grantDroppedFiles(files: File[]): Promise<InputRef>;
}
