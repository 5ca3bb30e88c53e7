/**
 * A problem with something the user gave us (a model folder, a test set, a setting).
 * The message always names the file and the problem, so that every host can show it as is.
 */
export class InputError extends Error {
  override readonly name = 'InputError';

  constructor(
    /** The file or folder the problem is in, as the user named it (absolute or relative path). */
    readonly file: string,
    /** What is wrong, as one sentence without the file name. */
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError;
}
