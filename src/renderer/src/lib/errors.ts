/**
 * A rejected API promise carries an ApiError-like object ({ kind, file?, message }) or an Error.
 * Either way its message is written for the user and already names the file.
 */
export function errorMessage(error: unknown): string {
  if (typeof error === 'string' && error.trim()) return error;
  if (error && typeof error === 'object' && 'message' in error) {
    const message = (error as { message: unknown }).message;
    if (typeof message === 'string' && message.trim()) {
      // Electron wraps errors thrown in the main process: "Error invoking remote method 'x': Error: …".
      return message.replace(/^Error invoking remote method '[^']*':\s*(?:\w*Error:\s*)?/, '');
    }
  }
  return 'Something went wrong, and the host gave no reason.';
}
