import type { ApiError } from '../shared/api';
import { isInputError } from '../engine/input-error';
import { BusyError } from './task-queue';

/** Any failure as the API reports it: a problem the user can act on names its file. */
export function toApiError(error: unknown): ApiError {
  if (isInputError(error)) return { kind: 'input', file: error.file, message: error.message };
  if (error instanceof BusyError) return { kind: 'busy', message: error.message };
  return { kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}
