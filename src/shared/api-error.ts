import type { ApiError } from './api';

/** An ApiError as a throwable Error, so that both hosts' clients reject with the same thing. */
export class ApiFailure extends Error implements ApiError {
  override readonly name = 'ApiFailure';
  readonly kind: ApiError['kind'];
  readonly file?: string;

  constructor(error: ApiError) {
    super(error.message);
    this.kind = error.kind;
    this.file = error.file;
  }
}

/** What travels over IPC or HTTP for one call: a value, or an error the user can read. */
export type CallOutcome<T> = { ok: true; value: T } | { ok: false; error: ApiError };
