import type { DatasetSummary, ModelSummary } from '../../shared/audit-document';
import type { AuditProgress, AuditRequest, AuditResult } from '../audit';
import type { TestSetRequest } from '../session';

/** Each engine call: its argument and its result. */
export interface EngineCalls {
  audit: [AuditRequest, AuditResult];
  inspectModel: [{ modelPath: string }, ModelSummary];
  inspectTestSet: [TestSetRequest, DatasetSummary];
  thumbnail: [TestSetRequest & { sampleId: string }, Uint8Array | null];
}
export type EngineMethod = keyof EngineCalls;

/** Messages from a host process to the engine (worker thread or Electron utility process). */
export type EngineCommand =
  | {
      [M in EngineMethod]: { type: 'call'; id: number; method: M; argument: EngineCalls[M][0] };
    }[EngineMethod]
  | { type: 'cancel'; id: number };

export type EngineFailure =
  | { kind: 'input'; file: string; message: string }
  | { kind: 'cancelled'; message: string }
  | { kind: 'internal'; message: string };

/** Messages from the engine back to its host. */
export type EngineEvent =
  | { type: 'progress'; id: number; progress: AuditProgress }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: EngineFailure };
