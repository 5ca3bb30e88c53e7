import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  isFinetuneEvent,
  type HostCommand,
  type HostEvent,
  type InputPurpose,
  type InputRef,
} from '../shared/api';
import { ApiFailure, type CallOutcome } from '../shared/api-error';
import type { PreloadBridge } from '../shared/host-bridge';
import { IPC, serviceCalls, type IpcCall } from '../shared/ipc';

async function call<T>(method: IpcCall, ...args: unknown[]): Promise<T> {
  return unwrap(await ipcRenderer.invoke(IPC.call, method, args));
}

function unwrap<T>(outcome: CallOutcome<T>): T {
  if (!outcome.ok) throw new ApiFailure(outcome.error);
  return outcome.value;
}

function onHostEvent(listener: (event: HostEvent) => void): () => void {
  const forward = (_event: Electron.IpcRendererEvent, hostEvent: HostEvent) => listener(hostEvent);
  ipcRenderer.on(IPC.hostEvent, forward);
  return () => ipcRenderer.off(IPC.hostEvent, forward);
}

const bridge: PreloadBridge = {
  host: 'electron',
  ...serviceCalls((method, args) => call(method, ...args)),
  chooseInput: async (purpose: InputPurpose) =>
    unwrap<InputRef | null>(await ipcRenderer.invoke(IPC.chooseInput, purpose)),
  exportFinetunedModel: async (finetuneId, arm) =>
    unwrap<string | null>(await ipcRenderer.invoke(IPC.exportFinetunedModel, finetuneId, arm)),
  exportPdf: async (auditId, pageSize) =>
    unwrap<string | null>(await ipcRenderer.invoke(IPC.exportPdf, auditId, pageSize)),
  onAuditEvent: (listener) => onHostEvent((event) => isFinetuneEvent(event) || listener(event)),
  onFinetuneEvent: (listener) => onHostEvent((event) => isFinetuneEvent(event) && listener(event)),
  onHostCommand(listener) {
    const forward = (_event: Electron.IpcRendererEvent, command: HostCommand) => listener(command);
    ipcRenderer.on(IPC.hostCommand, forward);
    return () => ipcRenderer.off(IPC.hostCommand, forward);
  },
  // A File the page made itself has no path (''), so the page cannot name a path of its choosing.
  grantDroppedFiles: async () =>
    unwrap<InputRef>(
      await ipcRenderer.invoke(
        IPC.grantDrop,
        lastDrop.filter((p) => p.length > 0),
      ),
    ),
};

// The preload's own listener sees every drop before the page's (capture phase, on the window).
let lastDrop: string[] = [];
window.addEventListener(
  'drop',
  (event) => {
    lastDrop = Array.from(event.dataTransfer?.files ?? []).map(pathForFile);
  },
  { capture: true },
);

/**
 * A dropped file's path on this computer ('' for one that has none). Electron 32 removed File.path and
 * webUtils.getPathForFile (Electron 29+) replaces it; older runtimes, such as the Electron 22 that Linux
 * machines without Electron's download use, have only File.path.
 */
function pathForFile(file: File): string {
  if (typeof webUtils?.getPathForFile === 'function') return webUtils.getPathForFile(file);
  return (file as File & { path?: string }).path ?? '';
}

contextBridge.exposeInMainWorld('calibrationAudit', bridge);
