import { pairedBootstrapDeltas } from '../../core/bootstrap';
import { selectBackend } from '../backend';
import { CancelledError } from '../inference';
import { isInputError } from '../input-error';
import type { BootstrapHelper } from '../parallel-bootstrap';
import { EngineSession } from '../session';
import type { EngineCommand, EngineEvent, EngineFailure, EngineProgress } from './protocol';

/**
 * The engine side of the protocol: runs each call on one EngineSession and reports through `post`.
 * It knows nothing of the transport, so a worker thread and an Electron utility process share it.
 */
export function createEngineService(
  post: (event: EngineEvent) => void,
  bootstrapHelper: BootstrapHelper | null = null,
): (command: EngineCommand) => void {
  const session = new EngineSession(bootstrapHelper);
  const running = new Map<number, AbortController>();
  return (command) => {
    if (command.type === 'cancel') {
      running.get(command.id)?.abort();
      return;
    }
    const controller = new AbortController();
    running.set(command.id, controller);
    const hooks = {
      signal: controller.signal,
      onProgress: (progress: EngineProgress) =>
        post({ type: 'progress', id: command.id, progress }),
    };
    const call = (): Promise<unknown> => {
      switch (command.method) {
        case 'audit':
          return session.audit(command.argument, hooks);
        case 'backend':
          return selectBackend();
        case 'inspectModel':
          return session.inspectModel(command.argument.modelPath);
        case 'inspectTestSet':
          return session.inspectTestSet(command.argument, hooks);
        case 'previewCsv':
          return session.previewCsv(command.argument, hooks.signal);
        case 'sortInputs':
          return session.sortInputs(command.argument.paths);
        case 'thumbnail':
          return session.thumbnail(command.argument);
        case 'sampleValues':
          return session.sampleValues(command.argument);
        case 'finetune':
          return session.finetune(command.argument, hooks);
        case 'calibrate':
          return session.calibrate(command.argument, hooks);
        case 'pairedDeltas': {
          const { a, b, options } = command.argument;
          return Promise.resolve().then(() => pairedBootstrapDeltas(a, b, options));
        }
      }
    };
    call()
      .then((result) => post({ type: 'result', id: command.id, result }))
      .catch((error: unknown) => post({ type: 'error', id: command.id, error: toFailure(error) }))
      .finally(() => running.delete(command.id));
  };
}

export function toFailure(error: unknown): EngineFailure {
  if (isInputError(error)) return { kind: 'input', file: error.file, message: error.message };
  if (error instanceof CancelledError) return { kind: 'cancelled', message: error.message };
  // An AbortSignal's own reason (a file scan or a stream stopped by a cancel) is a cancel too.
  if (error instanceof Error && error.name === 'AbortError')
    return { kind: 'cancelled', message: 'Cancelled.' };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'internal', message };
}
