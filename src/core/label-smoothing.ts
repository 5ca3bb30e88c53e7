/**
 * Label smoothing as Keras and PyTorch define it (the field notes' convention):
 * categorical y' = y(1 − a) + a/K, binary y' = y(1 − a) + a/2.
 */

function checkAlpha(alpha: number): void {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
}

/** n×K row-major smoothed one-hot targets. */
export function smoothTargets(
  labels: ArrayLike<number>,
  numClasses: number,
  alpha: number,
): Float32Array {
  checkAlpha(alpha);
  const off = alpha / numClasses;
  const targets = new Float32Array(labels.length * numClasses).fill(off);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(y >= 0 && y < numClasses))
      throw new RangeError(`label ${y} is outside [0, ${numClasses})`);
    targets[i * numClasses + y] = 1 - alpha + off;
  }
  return targets;
}

/** Smoothed binary target y(1 − a) + a/2 for y in [0, 1]. */
export function smoothBinaryTarget(y: number, alpha: number): number {
  checkAlpha(alpha);
  return y * (1 - alpha) + 0.5 * alpha;
}

/**
 * Logit gap (true class minus any other) at which softmax cross-entropy against smoothed
 * targets is minimal: log((1 − a + a/K) / (a/K)); Infinity without smoothing.
 * K = 3, a = 0.1 gives log(28) ≈ 3.332.
 */
export function optimumLogitGap(numClasses: number, alpha: number): number {
  checkAlpha(alpha);
  if (numClasses < 2) throw new RangeError(`numClasses must be >= 2, got ${numClasses}`);
  if (alpha === 0) return Infinity;
  const off = alpha / numClasses;
  return Math.log((1 - alpha + off) / off);
}
