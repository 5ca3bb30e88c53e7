import type { AuditComparisonView, HistoryStatus } from '../../../../shared/api';
import type { AuditSummary, FinetuneSummary, TrendPoint } from '../../../../shared/history';
import type { HostBridge } from '../../../../shared/host-bridge';
import { errorMessage } from '../../lib/errors';

export type HistoryPane = 'list' | 'compare' | 'trend';
/** What the history keeps that can be renamed and deleted. */
export type SavedKind = 'audit' | 'finetune';

/** The trend of one model: its audits, oldest first. */
export interface ModelTrend {
  modelName: string;
  modelFingerprint: string;
  points: TrendPoint[];
}

/**
 * The history view's state: the saved audits, which two are selected for a comparison, and the
 * comparison or trend shown. Every call goes to the host's history; a failure shows as `error`
 * and leaves the list as it was.
 */
export class HistoryState {
  readonly api: HostBridge;

  pane = $state<HistoryPane>('list');
  status = $state.raw<HistoryStatus | null>(null);
  audits = $state.raw<AuditSummary[]>([]);
  loading = $state(false);
  /** An action under way ('compare', 'trend', 'reopen', or `delete-<id>`/`rename-<id>`). */
  busy = $state<string | null>(null);
  error = $state<string | null>(null);
  filter = $state('');
  /** Up to two audits, in the order they were ticked. */
  selected = $state.raw<number[]>([]);
  /** Saved fine-tunes, newest first. */
  finetunes = $state.raw<FinetuneSummary[]>([]);
  /** The saved item whose name is being edited, with the name as typed. */
  editing = $state<{ kind: SavedKind; id: number; name: string } | null>(null);
  /** The saved item whose delete waits for a second click. */
  confirmingDelete = $state.raw<{ kind: SavedKind; id: number } | null>(null);
  comparison = $state.raw<AuditComparisonView | null>(null);
  trend = $state.raw<ModelTrend | null>(null);

  readonly shown = $derived.by(() => {
    const words = this.filter.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return this.audits;
    return this.audits.filter((audit) => {
      const text =
        `${audit.id} ${audit.name} ${audit.modelName} ${audit.testSetName} ${audit.backend} ${audit.verdict}`.toLowerCase();
      return words.every((word) => text.includes(word));
    });
  });

  /** Why the selection cannot be compared; null when it can. */
  readonly compareProblem = $derived.by(() => {
    if (this.selected.length < 2) return 'Tick two audits of the same test set to compare them.';
    const [a, b] = this.selected.map((id) => this.audits.find((audit) => audit.id === id));
    if (!a || !b) return 'Tick two audits of the same test set to compare them.';
    if (a.datasetFingerprint !== b.datasetFingerprint)
      return `“${a.name}” and “${b.name}” were run on different test sets; a paired comparison needs the same one.`;
    return null;
  });

  constructor(api: HostBridge) {
    this.api = api;
  }

  /** Reads the status and the list again (when the view opens, and after every change). */
  async refresh(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      const status = await this.api.historyStatus();
      this.status = status;
      const readable = status.state !== 'unavailable';
      [this.audits, this.finetunes] = readable
        ? await Promise.all([this.api.listAudits(), this.api.listFinetunes()])
        : [[], []];
      this.selected = this.selected.filter((id) => this.audits.some((audit) => audit.id === id));
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.loading = false;
    }
  }

  /** Tries to open the database again (after the program holding it has closed, say). */
  async reopen(): Promise<void> {
    await this.#act('reopen', async () => {
      this.status = await this.api.reopenHistory();
    });
    await this.refresh();
  }

  /** Ticks or unticks an audit; a third tick replaces the oldest. */
  toggle(id: number): void {
    if (this.selected.includes(id)) this.selected = this.selected.filter((s) => s !== id);
    else this.selected = [...this.selected, id].slice(-2);
  }

  async compare(): Promise<void> {
    if (this.compareProblem || this.busy) return;
    // The older audit is A, so that Δ = B − A reads as "what changed since".
    const [a, b] = [...this.selected].sort(
      (x, y) => this.#created(x).localeCompare(this.#created(y)) || x - y,
    );
    await this.#act('compare', async () => {
      this.comparison = await this.api.compareAudits(a, b);
      this.pane = 'compare';
    });
  }

  async showTrend(audit: AuditSummary): Promise<void> {
    if (this.busy) return;
    await this.#act('trend', async () => {
      const points = await this.api.auditTrend(audit.modelFingerprint);
      this.trend = {
        modelName: audit.modelName,
        modelFingerprint: audit.modelFingerprint,
        points,
      };
      this.pane = 'trend';
    });
  }

  /** Starts editing a saved item's name (one at a time). */
  startRename(kind: SavedKind, id: number, name: string): void {
    this.confirmingDelete = null;
    this.editing = { kind, id, name };
  }

  /** Saves the name being edited; an empty name is not saved. */
  async commitRename(): Promise<void> {
    const edit = this.editing;
    const name = edit?.name.trim();
    if (!edit || !name) return;
    const done = await this.#act(`rename-${edit.kind}-${edit.id}`, () =>
      edit.kind === 'audit'
        ? this.api.renameAudit(edit.id, name)
        : this.api.renameFinetune(edit.id, name),
    );
    if (!done) return;
    this.editing = null;
    await this.refresh();
  }

  /** Deletes on the second click: the first one asks. */
  async remove(kind: SavedKind, id: number): Promise<void> {
    const asked = this.confirmingDelete;
    if (asked?.kind !== kind || asked.id !== id) {
      this.editing = null;
      this.confirmingDelete = { kind, id };
      return;
    }
    this.confirmingDelete = null;
    const done = await this.#act(`delete-${kind}-${id}`, () =>
      kind === 'audit' ? this.api.deleteAudit(id) : this.api.deleteFinetune(id),
    );
    if (done) await this.refresh();
  }

  isEditing(kind: SavedKind, id: number): boolean {
    return this.editing?.kind === kind && this.editing.id === id;
  }

  isConfirmingDelete(kind: SavedKind, id: number): boolean {
    return this.confirmingDelete?.kind === kind && this.confirmingDelete.id === id;
  }

  backToList(): void {
    this.pane = 'list';
  }

  #created(id: number): string {
    return this.audits.find((audit) => audit.id === id)?.created ?? '';
  }

  async #act(name: string, run: () => Promise<void>): Promise<boolean> {
    this.busy = name;
    this.error = null;
    try {
      await run();
      return true;
    } catch (error) {
      this.error = errorMessage(error);
      return false;
    } finally {
      this.busy = null;
    }
  }
}
