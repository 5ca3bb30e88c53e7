import { symbol, symbolCircle, symbolDiamond, symbolSquare, symbolTriangle } from 'd3';
import type { MetricEstimate, MetricName } from '../../../../core/types';
import {
  armNamesOf,
  FINETUNE_ARM_ORDER,
  type ArmComparison,
  type FinetuneArmName,
  type FinetuneDocument,
} from '../../../../shared/finetune-document';
import { signed, signedInterval } from '../../../../core/number-format';
import { DASH, decimal, isFiniteNumber, percent } from '../../lib/format';

/** The arms in the order every table, legend and chart shows them. */
export const ARM_ORDER: readonly FinetuneArmName[] = FINETUNE_ARM_ORDER;

/** The arms a document holds, in `ARM_ORDER` (older documents: the first four). */
export function armsOf(doc: ArmComparison): FinetuneArmName[] {
  return armNamesOf(doc.arms);
}

/** Titles of every arm a document holds (an arm it lacks gets its plain name). */
export function armTitles(doc: ArmComparison): Record<FinetuneArmName, string> {
  return Object.fromEntries(
    ARM_ORDER.map((name) => {
      const arm = doc.arms[name];
      return [name, arm ? armTitle(name, arm.alpha, arm.temperature, arm.calibrator?.name) : name];
    }),
  ) as Record<FinetuneArmName, string>;
}

/**
 * Which arms the overlaid charts show at first: the original, the fine-tunes, temperature
 * scaling and the best arms on NLL and ECE; the legend shows the rest on request.
 */
export function initialVisibility(doc: FinetuneDocument): Record<FinetuneArmName, boolean> {
  const shown = new Set<FinetuneArmName>(['original', 'control', 'smoothed', 'temperature']);
  if (doc.best) {
    shown.add(doc.best.nll.arm);
    shown.add(doc.best.ece.arm);
  }
  return Object.fromEntries(ARM_ORDER.map((name) => [name, shown.has(name)])) as Record<
    FinetuneArmName,
    boolean
  >;
}

/** Marker shapes, so that the arms differ by more than colour. */
export type MarkerShape = 'circle' | 'square' | 'diamond' | 'triangle';

export interface ArmStyle {
  /** A CSS colour (the variables are set on the fine-tune view, per theme). */
  color: string;
  shape: MarkerShape;
  /** SVG stroke-dasharray, or undefined for a solid line. */
  dash?: string;
}

export const ARM_STYLE: Record<FinetuneArmName, ArmStyle> = {
  original: { color: 'var(--arm-original)', shape: 'circle', dash: '6 4' },
  control: { color: 'var(--arm-control)', shape: 'square' },
  smoothed: { color: 'var(--arm-smoothed)', shape: 'diamond' },
  temperature: { color: 'var(--arm-temperature)', shape: 'triangle', dash: '2 3' },
  vector: { color: 'var(--arm-vector)', shape: 'triangle', dash: '4 2' },
  matrix: { color: 'var(--arm-matrix)', shape: 'square', dash: '4 2' },
  dirichlet: { color: 'var(--arm-dirichlet)', shape: 'diamond', dash: '4 2' },
  platt: { color: 'var(--arm-platt)', shape: 'circle', dash: '4 2' },
  histogram: { color: 'var(--arm-histogram)', shape: 'square', dash: '1 2' },
  isotonic: { color: 'var(--arm-isotonic)', shape: 'circle', dash: '1 2' },
};

/** An alpha as typed: 0.1 → "0.1", 0.05 → "0.05" (never "0.1000"). */
export function alphaText(alpha: number | null | undefined): string {
  if (!isFiniteNumber(alpha)) return DASH;
  return String(Number(alpha.toFixed(4)));
}

/** Short names for legends and table rows. */
export function armTitle(
  name: FinetuneArmName,
  alpha: number | null,
  temperature: number | null,
  calibratorName?: string,
): string {
  switch (name) {
    case 'original':
      return 'Original';
    case 'control':
      return 'Control, α = 0';
    case 'smoothed':
      return `Smoothed, α = ${alphaText(alpha)}`;
    case 'temperature':
      return `Temperature, T = ${decimal(temperature, 3)}`;
    default: {
      const text = calibratorName ?? name;
      return text.charAt(0).toUpperCase() + text.slice(1);
    }
  }
}

export type Better = 'lower' | 'higher';

export interface MetricColumn {
  key: MetricName;
  label: string;
  better: Better;
  /** Percentages (shown as %, differences in points) or plain decimals. */
  kind: 'percent' | 'decimal';
  digits: number;
  title: string;
}

/** The metrics the comparison reports, each with the direction that is better. */
export const COMPARED_METRICS: readonly MetricColumn[] = [
  {
    key: 'ece',
    label: 'ECE',
    better: 'lower',
    kind: 'percent',
    digits: 2,
    title: 'Expected calibration error over equal-width bins (lower is better).',
  },
  {
    key: 'nll',
    label: 'NLL',
    better: 'lower',
    kind: 'decimal',
    digits: 4,
    title: 'Negative log-likelihood of the true class, nats per sample (lower is better).',
  },
  {
    key: 'brier',
    label: 'Brier',
    better: 'lower',
    kind: 'decimal',
    digits: 4,
    title: 'Multiclass Brier score (lower is better).',
  },
  {
    key: 'accuracy',
    label: 'Accuracy',
    better: 'higher',
    kind: 'percent',
    digits: 2,
    title: 'Share of right top-1 predictions (higher is better).',
  },
  {
    key: 'misclassificationAuroc',
    label: 'Error-detection AUROC',
    better: 'higher',
    kind: 'decimal',
    digits: 4,
    title:
      'Misclassification AUROC: how well confidence ranks wrong predictions below right ones (higher is better).',
  },
  {
    key: 'aurc',
    label: 'AURC',
    better: 'lower',
    kind: 'decimal',
    digits: 4,
    title: 'Area under the risk-coverage curve (lower is better).',
  },
];

export function metricValue(column: MetricColumn, value: number | null | undefined): string {
  return column.kind === 'percent' ? percent(value, column.digits) : decimal(value, column.digits);
}

/**
 * A signed difference with a true minus sign; percentages in points. A zero difference has no
 * sign, and a nonzero one gets the digits it needs not to read as zero ("+0.000040", never
 * "±0.0000").
 */
export function metricDelta(column: MetricColumn, value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return DASH;
  return `${signedBare(column, value)}${column.kind === 'percent' ? ' pts' : ''}`;
}

function signedBare(column: MetricColumn, value: number): string {
  return signed(column.kind === 'percent' ? value * 100 : value, column.digits);
}

/** A value's 95% interval: "1.02% – 1.81%". */
export function metricInterval(column: MetricColumn, estimate: MetricEstimate | undefined): string {
  const [lo, hi] = estimate?.ci95 ?? [NaN, NaN];
  if (!isFiniteNumber(lo) || !isFiniteNumber(hi)) return 'no interval';
  return `${metricValue(column, lo)} – ${metricValue(column, hi)}`;
}

/**
 * A difference's paired interval in the one style used everywhere: "−1.56 to −0.15 pts"
 * (points for percentages).
 */
export function deltaInterval(column: MetricColumn, estimate: MetricEstimate | undefined): string {
  const [lo, hi] = estimate?.ci95 ?? [NaN, NaN];
  if (!isFiniteNumber(lo) || !isFiniteNumber(hi)) return 'no interval';
  const scale = column.kind === 'percent' ? 100 : 1;
  return signedInterval(lo, hi, column.digits, scale, column.kind === 'percent' ? 'pts' : '');
}

/** What a difference's interval says, in words: "better", "worse", "no clear change" or ''. */
export const SIGNIFICANCE_TEXT: Record<Significance, string> = {
  better: 'better',
  worse: 'worse',
  unclear: 'no clear change',
  none: '',
};

export type Significance = 'better' | 'worse' | 'unclear' | 'none';

/**
 * Whether a difference (arm minus reference) is a significant improvement or worsening: its
 * 95% interval excludes 0, read in the metric's better direction.
 */
export function significance(better: Better, delta: MetricEstimate | undefined): Significance {
  if (!delta || !isFiniteNumber(delta.value)) return 'none';
  const [lo, hi] = delta.ci95 ?? [NaN, NaN];
  if (!isFiniteNumber(lo) || !isFiniteNumber(hi)) return 'none';
  if (lo === 0 && hi === 0 && delta.value === 0) return 'none';
  if (lo <= 0 && hi >= 0) return 'unclear';
  const lowered = hi < 0;
  return lowered === (better === 'lower') ? 'better' : 'worse';
}

const SYMBOLS = {
  circle: symbolCircle,
  square: symbolSquare,
  diamond: symbolDiamond,
  triangle: symbolTriangle,
} as const;

/** An SVG path of a marker centred on (0, 0); size is its area in square pixels. */
export function markerPath(shape: MarkerShape, size = 48): string {
  return symbol(SYMBOLS[shape], size)() ?? '';
}

export interface LegendItem {
  name: FinetuneArmName;
  title: string;
  /** A value shown after the name, e.g. the arm's ECE. */
  note?: string;
}

/** One line of a per-epoch chart. */
export interface EpochSeries {
  key: string;
  label: string;
  color: string;
  shape: MarkerShape;
  dash?: string;
  faded?: boolean;
  /** [epoch, value] pairs. */
  points: [number, number][];
}

/** 'head', 'all' or 'last:N' as a few words: "head", "all layers", "last layer", "last 3 layers". */
export function layersLabel(layers: string): string {
  if (layers === 'head') return 'head';
  if (layers === 'all') return 'all layers';
  const n = Number(layers.slice(5));
  return n === 1 ? 'last layer' : `last ${layers.slice(5)} layers`;
}
