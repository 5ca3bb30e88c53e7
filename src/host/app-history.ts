import type { HistoryStatus, SaveOutcome } from '../shared/api';
import { InputError } from '../engine/input-error';
import { openHistory, recoveryNotice, type History } from '../storage';
import { toApiError } from './api-errors';

/**
 * The host's history database, open for the host's lifetime. A file that cannot be opened (locked,
 * from a newer version, another program's) leaves the app working without a history, and says why;
 * a damaged one has been moved aside by the storage layer, and the app says where.
 */
export class AppHistory {
  #history: History | null = null;
  #notice: string | null = null;

  private constructor(readonly file: string) {}

  /** No history at all (the report printer's own host): nothing is saved, nothing can be opened. */
  static none(): AppHistory {
    const appHistory = new AppHistory('(no history)');
    appHistory.#notice = 'This window keeps no history.';
    return appHistory;
  }

  static async open(file: string): Promise<AppHistory> {
    const appHistory = new AppHistory(file);
    await appHistory.reopen();
    return appHistory;
  }

  status(): HistoryStatus {
    const history = this.#history;
    const state = !history ? 'unavailable' : history.readOnly ? 'read-only' : 'ready';
    return { file: this.file, state, notice: this.#notice };
  }

  async reopen(): Promise<HistoryStatus> {
    const previous = this.#history;
    this.#history = null;
    await previous?.close().catch(() => undefined);
    try {
      const history = await openHistory(this.file);
      this.#history = history;
      this.#notice =
        recoveryNotice(history) ??
        (history.readOnly
          ? `${this.file} is read-only: saved audits can be opened, new ones are not saved.`
          : null);
    } catch (error) {
      this.#notice = `${toApiError(error).message} Audits are not saved until it can be opened.`;
    }
    return this.status();
  }

  /** The open history; an InputError naming the file when there is none. */
  get(): History {
    if (this.#history) return this.#history;
    throw new InputError(this.file, this.#notice ?? 'is not open.');
  }

  /** Runs a save; what went wrong becomes the outcome's reason, and the work stays on screen. */
  async save(write: (history: History) => Promise<number>): Promise<SaveOutcome> {
    const history = this.#history;
    if (!history) return { saved: false, reason: this.#notice ?? `${this.file} is not open.` };
    if (history.readOnly)
      return { saved: false, reason: `${this.file} is read-only; nothing was saved.` };
    try {
      return { saved: true, historyId: await write(history) };
    } catch (error) {
      return { saved: false, reason: toApiError(error).message };
    }
  }

  /** Opens the file again when it could not be opened (before saving what it refused). */
  async ensureOpen(): Promise<void> {
    if (!this.#history) await this.reopen();
  }

  async close(): Promise<void> {
    const history = this.#history;
    this.#history = null;
    await history?.close();
  }
}
