import type { MetricEstimate, MetricName } from '../../../../core/types';
import { isFiniteNumber } from '../../lib/format';
import {
  COMPARED_METRICS,
  metricInterval,
  significance,
  type ArmStyle,
  type MetricColumn,
  type Significance,
} from '../finetune/finetune-format';

/** The two sides of a comparison. */
export type AuditSide = 'a' | 'b';

/**
 * Line colour, marker and dash of each side (Okabe–Ito orange and blue, which stay apart for
 * colour-blind readers; the shapes and the dash tell them apart without colour).
 */
export const SIDE_STYLE: Record<AuditSide, ArmStyle> = {
  a: { color: 'var(--arm-control)', shape: 'circle', dash: '6 4' },
  b: { color: 'var(--arm-smoothed)', shape: 'square' },
};

/** The metrics a comparison reports: the same list, labels and formats as the fine-tune's. */
export const HISTORY_METRICS: readonly MetricColumn[] = COMPARED_METRICS;

function column(key: MetricName): MetricColumn {
  const found = COMPARED_METRICS.find((c) => c.key === key);
  if (!found) throw new Error(`no column for metric ${key}`);
  return found;
}

/** The columns of the trend table, in the order it shows them. */
export const TREND_COLUMNS = {
  accuracy: column('accuracy'),
  ece: column('ece'),
  nll: column('nll'),
} as const;

/**
 * What a paired difference (b − a) says: `better` or `worse` when its 95% interval excludes 0
 * (read in the metric's better direction), `unclear` when it includes 0, `none` without an
 * interval (no resampling, or the metric undefined).
 */
export type ChangeVerdict = Significance;

export const VERDICT_TEXT: Record<ChangeVerdict, string> = {
  better: 'better',
  worse: 'worse',
  unclear: 'no clear change',
  none: 'no interval',
};

export function changeVerdict(
  col: MetricColumn,
  delta: MetricEstimate | undefined,
  resamples: number,
): ChangeVerdict {
  if (resamples <= 0) return 'none';
  const verdict = significance(col.better, delta);
  // Resampled, and still exactly 0: the two audits agree on every sample (the same predictions).
  const agree = delta?.value === 0 && delta.ci95[0] === 0 && delta.ci95[1] === 0;
  return verdict === 'none' && agree ? 'unclear' : verdict;
}

/** A value's 95% interval in brackets, or why there is none. */
export function bracketInterval(col: MetricColumn, estimate: MetricEstimate | undefined): string {
  if (!estimate) return 'no interval';
  const [lo, hi] = estimate.ci95 ?? [NaN, NaN];
  if (isFiniteNumber(lo) && lo === hi && lo === estimate.value) return 'no resampling';
  const text = metricInterval(col, estimate);
  return text === 'no interval' ? text : `[${text}]`;
}

function validDate(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "27 Nov" (or "27 Nov 25" when the year is wanted): for crowded axis ticks. */
export function shortDate(iso: string, withYear = false): string {
  const d = validDate(iso);
  if (!d) return iso;
  return d.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: '2-digit' } : {}),
  });
}

/** "27 Nov 2025" and "23:41" apart, so a table cell can break between them. */
export function dayAndTime(iso: string): { day: string; time: string } {
  const d = validDate(iso);
  if (!d) return { day: iso, time: '' };
  return {
    day: d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' }),
    time: d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }),
  };
}

/** Whether a list of ISO times spans more than one calendar year. */
export function spansYears(isos: readonly string[]): boolean {
  const years = new Set(isos.map((iso) => validDate(iso)?.getFullYear()).filter(isFiniteNumber));
  return years.size > 1;
}
