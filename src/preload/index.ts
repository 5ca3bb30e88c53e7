import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { AuditEvent, HostCommand, InputPurpose, InputRef } from '../shared/api';
import { ApiFailure, type CallOutcome } from '../shared/api-error';
import type { PreloadBridge } from '../shared/host-bridge';
import { IPC, type IpcCall } from '../shared/ipc';

async function call<T>(method: IpcCall, ...args: unknown[]): Promise<T> {
  return unwrap(await ipcRenderer.invoke(IPC.call, method, args));
}

function unwrap<T>(outcome: CallOutcome<T>): T {
  if (!outcome.ok) throw new ApiFailure(outcome.error);
  return outcome.value;
}

const bridge: PreloadBridge = {
  host: 'electron',
  demo: () => call('demo'),
  inspectModel: (model) => call('inspectModel', model),
  inspectTestSet: (testSet, model) => call('inspectTestSet', testSet, model),
  startAudit: (settings) => call('startAudit', settings),
  cancelAudit: (auditId) => call('cancelAudit', auditId),
  thumbnail: (testSet, model, sampleId) => call('thumbnail', testSet, model, sampleId),
  chooseInput: async (purpose: InputPurpose) =>
    unwrap<InputRef | null>(await ipcRenderer.invoke(IPC.chooseInput, purpose)),
  onAuditEvent(listener) {
    const forward = (_event: Electron.IpcRendererEvent, auditEvent: AuditEvent) =>
      listener(auditEvent);
    ipcRenderer.on(IPC.auditEvent, forward);
    return () => ipcRenderer.off(IPC.auditEvent, forward);
  },
  onHostCommand(listener) {
    const forward = (_event: Electron.IpcRendererEvent, command: HostCommand) => listener(command);
    ipcRenderer.on(IPC.hostCommand, forward);
    return () => ipcRenderer.off(IPC.hostCommand, forward);
  },
  // Electron 32 removed File.path; webUtils is the supported way to get a dropped file's path.
  pathsForFiles: (files) => files.map((file) => webUtils.getPathForFile(file)),
};

contextBridge.exposeInMainWorld('calibrationAudit', bridge);
