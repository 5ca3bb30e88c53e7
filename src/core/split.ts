import { Rng } from './random';

export interface SplitFractions {
  finetune: number;
  calibration: number;
  evaluation: number;
}

export interface SplitIndices {
  finetune: Int32Array;
  calibration: Int32Array;
  evaluation: Int32Array;
}

const PARTS = ['finetune', 'calibration', 'evaluation'] as const;

/**
 * How one class's `count` samples divide between the three parts: floor of each quota, the
 * remainder to the parts with the largest fractional quotas (ties: fine-tune, calibration,
 * evaluation).
 */
function classPartSizes(count: number, weights: number[]): number[] {
  const total = weights[0] + weights[1] + weights[2];
  const quotas = weights.map((w) => (count * w) / total);
  const sizes = quotas.map(Math.floor);
  let remainder = count - sizes[0] - sizes[1] - sizes[2];
  const byFraction = [0, 1, 2].sort(
    (a, b) => quotas[b] - sizes[b] - (quotas[a] - sizes[a]) || a - b,
  );
  for (let r = 0; remainder > 0; r++, remainder--) sizes[byFraction[r % 3]]++;
  return sizes;
}

function checkedWeights(fractions: SplitFractions): number[] {
  const weights = PARTS.map((part) => fractions[part]);
  if (weights.some((w) => !(w >= 0)) || !(weights[0] + weights[1] + weights[2] > 0)) {
    throw new RangeError('split fractions must be non-negative and not all zero');
  }
  return weights;
}

/**
 * The sizes of the parts stratifiedSplit makes from classes of these sizes: what a preview
 * shows is exactly what the run uses (the sizes do not depend on the seed).
 */
export function stratifiedSplitSizes(
  classCounts: readonly number[],
  fractions: SplitFractions,
): Record<(typeof PARTS)[number], number> {
  const weights = checkedWeights(fractions);
  const totals = [0, 0, 0];
  for (const count of classCounts) {
    if (count <= 0) continue;
    classPartSizes(count, weights).forEach((size, p) => (totals[p] += size));
  }
  return { finetune: totals[0], calibration: totals[1], evaluation: totals[2] };
}

/**
 * Splits sample indices into three disjoint sets, stratified by class: each class's samples
 * are shuffled (seeded) and divided in the given proportions (normalised to sum to 1), the
 * remainder of the rounding going to the parts with the largest fractional quotas. Every index
 * lands in exactly one set; each set is sorted ascending.
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  fractions: SplitFractions,
  seed = 0,
): SplitIndices {
  const weights = checkedWeights(fractions);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const members = byClass.get(labels[i]);
    if (members) members.push(i);
    else byClass.set(labels[i], [i]);
  }
  const rng = new Rng(seed);
  const parts: number[][] = [[], [], []];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = Int32Array.from(byClass.get(label) ?? []);
    rng.shuffle(members);
    const sizes = classPartSizes(members.length, weights);
    let offset = 0;
    for (let p = 0; p < 3; p++) {
      for (let j = 0; j < sizes[p]; j++) parts[p].push(members[offset + j]);
      offset += sizes[p];
    }
  }
  const sorted = parts.map((part) => Int32Array.from(part).sort());
  return { finetune: sorted[0], calibration: sorted[1], evaluation: sorted[2] };
}
