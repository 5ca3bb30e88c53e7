import { InputError } from '../engine/input-error';
import { sqliteCode } from './sqlite';

export const LOCKED_PROBLEM =
  'is locked by another program (another Calibration Audit, or a tool holding it open); close it and try again.';
export const READ_ONLY_PROBLEM = 'is read-only; audits cannot be saved.';
/** The same, for a command that only reads: it did not ask to save. */
export const READ_ONLY_READ_PROBLEM =
  'cannot be opened: it, or its folder, is read-only and SQLite could not read it there.';

const READ_ONLY_ERRNOS = new Set(['EACCES', 'EPERM', 'EROFS']);

/** SQLite says the file is not a database or a page of it is damaged. */
export function isCorruptionError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB';
}

export function isBusyError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

export function isReadOnlyError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_READONLY' || (code !== null && READ_ONLY_ERRNOS.has(code));
}

/**
 * An InputError naming the database for the failures a user can act on (locked, read-only,
 * damaged, disk full); any other error is returned as it is.
 */
export function describeStorageError(file: string, error: unknown): unknown {
  if (error instanceof InputError) return error;
  if (isBusyError(error)) return new InputError(file, LOCKED_PROBLEM);
  if (isReadOnlyError(error)) return new InputError(file, READ_ONLY_PROBLEM);
  if (isCorruptionError(error)) {
    return new InputError(
      file,
      'is damaged; reopen Calibration Audit to move it aside and start a fresh history.',
    );
  }
  switch (sqliteCode(error)) {
    case 'SQLITE_FULL':
      return new InputError(file, 'cannot grow: the disk is full; nothing was saved.');
    case 'SQLITE_IOERR':
      return new InputError(file, `could not be read or written (${messageOf(error)}).`);
    default:
      return error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.replace(/^SQLITE_\w+: /, '') : String(error);
}
