import type { ScoreKind } from './score-columns';

/** Probabilities of a row may miss 1 by this much (rounded CSVs, float32 sums over many classes). */
export function sumTolerance(numClasses: number): number {
  return Math.max(1e-3, numClasses * 1e-4);
}

/**
 * The rows of a score file as its reader fills them: class indices and n*K scores in growable typed
 * arrays (no per-row objects), with the label mapping and the row checks every format shares.
 */
export class ScoreTable {
  labels: Int32Array;
  values: Float32Array;
  /** Sample ids when the file has them, else null (rows are then named row:N). */
  ids: string[] | null;
  size = 0;
  private readonly byName: Map<string, number> | null;

  constructor(
    readonly numClasses: number,
    readonly kind: ScoreKind,
    /** Names that labels may be given as (--classes, or class-named columns). */
    readonly classNames: string[] | null,
    withIds: boolean,
    capacity = 1024,
  ) {
    this.labels = new Int32Array(capacity);
    this.values = new Float32Array(capacity * numClasses);
    this.ids = withIds ? [] : null;
    this.byName = classNames ? new Map(classNames.map((name, k) => [name, k])) : null;
  }

  /** Takes whole arrays (a reader that decoded them itself); rows are checked by the caller. */
  adopt(labels: Int32Array, values: Float32Array): void {
    this.labels = labels;
    this.values = values;
    this.size = labels.length;
  }

  /** The first label of rows [from, to) outside 0..K-1, or -1. */
  firstBadLabel(from: number, to: number): number {
    const k = this.numClasses;
    for (let i = from; i < to; i++) {
      const label = this.labels[i];
      if (label < 0 || label >= k) return i;
    }
    return -1;
  }

  /** Makes room for `rows` more rows. */
  reserve(rows: number): void {
    const needed = this.size + rows;
    if (needed <= this.labels.length) return;
    const capacity = Math.max(needed, Math.ceil(this.labels.length * 1.5));
    const labels = new Int32Array(capacity);
    labels.set(this.labels.subarray(0, this.size));
    const values = new Float32Array(capacity * this.numClasses);
    values.set(this.values.subarray(0, this.size * this.numClasses));
    this.labels = labels;
    this.values = values;
  }

  /**
   * A label as the file gives it (an index, an integral float, a bigint, or a string holding a class
   * name or an index) as a class index, or -1 when it names no class.
   */
  classIndex(raw: unknown): number {
    if (typeof raw === 'string') {
      const text = raw.trim();
      const named = this.byName?.get(text);
      if (named !== undefined) return named;
      return /^-?\d+$/.test(text) ? this.inRange(Number(text)) : -1;
    }
    if (typeof raw === 'bigint') return this.inRange(Number(raw));
    if (typeof raw === 'number') return Number.isInteger(raw) ? this.inRange(raw) : -1;
    if (typeof raw === 'boolean') return this.inRange(raw ? 1 : 0);
    return -1;
  }

  private inRange(index: number): number {
    return index >= 0 && index < this.numClasses ? index : -1;
  }

  /** The first problem of rows [from, to), as the row's index and one sentence, or null. */
  checkRows(from: number, to: number): { index: number; problem: string } | null {
    const k = this.numClasses;
    const values = this.values;
    const tolerance = sumTolerance(k);
    const probabilities = this.kind === 'probabilities';
    for (let i = from; i < to; i++) {
      const row = i * k;
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const v = values[row + c];
        if (!Number.isFinite(v)) {
          return { index: i, problem: `the score for class ${c} is ${describe(v)}` };
        }
        if (probabilities && v < 0) {
          return { index: i, problem: `the probability of class ${c} is negative (${v})` };
        }
        sum += v;
      }
      if (probabilities && Math.abs(sum - 1) > tolerance) {
        return {
          index: i,
          problem: `the probabilities sum to ${+sum.toPrecision(6)}, not 1 (tolerance ${tolerance}); if these are logits or unnormalised scores, name the columns logit_0..logit_${k - 1}`,
        };
      }
    }
    return null;
  }
}

function describe(v: number): string {
  return Number.isNaN(v) ? 'NaN (missing or not a number)' : v > 0 ? 'infinite' : '-infinite';
}
