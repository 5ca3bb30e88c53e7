import type { CalibrationAuditApi } from './api';

/** IPC channel names shared by the Electron main process and the preload. */
export const IPC = {
  /** invoke(method, args) → CallOutcome */
  call: 'calibration-audit:call',
  /** invoke(purpose, kind) → CallOutcome<InputRef | null> */
  chooseInput: 'calibration-audit:choose-input',
  /**
   * invoke(paths) → CallOutcome<InputRef>: the paths the preload got from webUtils for dropped files;
   * the main process grants them (file-grants.ts) so the service will open them, and nothing else.
   */
  grantDrop: 'calibration-audit:grant-drop',
  /** invoke(finetuneId) → CallOutcome<string | null>: save the fine-tuned model where the user says */
  exportFinetunedModel: 'calibration-audit:export-finetuned-model',
  /** invoke(auditId, pageSize) → CallOutcome<string | null>: print the audit's report to a PDF the user names */
  exportPdf: 'calibration-audit:export-pdf',
  /** main → renderer: HostEvent (audit and fine-tune events) */
  hostEvent: 'calibration-audit:host-event',
  /** main → renderer: HostCommand from the menu */
  hostCommand: 'calibration-audit:host-command',
} as const;

/** The API calls the main process serves over IPC.call (and the browser host over /api/call). */
export const IPC_CALLS = [
  'demo',
  'inspectModel',
  'inspectTestSet',
  'previewCsv',
  'cancelInspect',
  'sortDrop',
  'scoreFileFormat',
  'startAudit',
  'cancelAudit',
  'thumbnail',
  'sampleDetail',
  'startFinetune',
  'cancelFinetune',
  'comparePostHoc',
  'getReport',
  'saveAuditAgain',
  'saveFinetuneAgain',
  'engineBackend',
  'historyStatus',
  'reopenHistory',
  'listAudits',
  'openSavedAudit',
  'renameAudit',
  'deleteAudit',
  'compareAudits',
  'auditTrend',
  'listFinetunes',
  'openSavedFinetune',
  'renameFinetune',
  'deleteFinetune',
] as const;
export type IpcCall = (typeof IPC_CALLS)[number];

/** The part of the API that is plain calls to the host's service. */
export type ServiceCalls = Pick<CalibrationAuditApi, IpcCall>;

/**
 * Every service call as a function that sends its name and arguments through `send` (IPC in the
 * preload, HTTP in the browser page), so that a call added to IPC_CALLS reaches both hosts.
 */
export function serviceCalls(
  send: (method: IpcCall, args: unknown[]) => Promise<unknown>,
): ServiceCalls {
  return Object.fromEntries(
    IPC_CALLS.map((method) => [method, (...args: unknown[]) => send(method, args)]),
  ) as unknown as ServiceCalls;
}
