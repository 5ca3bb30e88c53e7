import { CancelledError } from '../engine/inference';
import { isInputError } from '../engine/input-error';

export const EXIT = { ok: 0, badInput: 1, usage: 2, eceAboveLimit: 3, interrupted: 130 } as const;

/**
 * The exit code for a failed command, after writing its one-line message to stderr: cancelled
 * (130), bad input naming the file (1); anything else is rethrown (a bug, with its stack).
 */
export function reportFailure(error: unknown): number {
  if (error instanceof CancelledError) {
    process.stderr.write('calibration-audit: cancelled.\n');
    return EXIT.interrupted;
  }
  if (isInputError(error)) {
    process.stderr.write(`calibration-audit: ${error.message}\n`);
    return EXIT.badInput;
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code && ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENOSPC'].includes(code)) {
    // An output file we could not write: bad input too, and the message names the path.
    process.stderr.write(`calibration-audit: ${(error as Error).message}\n`);
    return EXIT.badInput;
  }
  throw error;
}
