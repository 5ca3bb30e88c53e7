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
 * context bridge but a File can, so the preload turns files into paths and the renderer does the rest.
 */
export interface PreloadBridge extends CalibrationAuditApi {
  pathsForFiles(files: File[]): string[];
}
