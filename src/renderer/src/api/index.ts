import type { HostBridge, PreloadBridge } from '../../../shared/host-bridge';
import { createBrowserApi } from './browser-api';
import { createElectronApi } from './electron-api';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser host. */
    calibrationAudit?: PreloadBridge;
  }
}

let api: HostBridge | null = null;

/** The host's API: Electron's preload bridge, or the browser host's HTTP client. */
export function getApi(): HostBridge {
  api ??= window.calibrationAudit ? createElectronApi(window.calibrationAudit) : createBrowserApi();
  return api;
}
