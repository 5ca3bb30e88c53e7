/** Quantile q in [0, 1] of ascending values with linear interpolation (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const position = q * (n - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, n - 1);
  const frac = position - lower;
  return sorted[lower] + (sorted[upper] - sorted[lower]) * frac;
}

/** The 2.5th and 97.5th percentiles of the finite values; [NaN, NaN] if there are none. */
export function percentileInterval95(values: ArrayLike<number>): [number, number] {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]);
  const sorted = Float64Array.from(finite).sort();
  return [quantileSorted(sorted, 0.025), quantileSorted(sorted, 0.975)];
}
