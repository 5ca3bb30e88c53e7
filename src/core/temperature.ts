/**
 * Temperature scaling (Guo et al. 2017): softmax(z / T) with T fitted by minimising the NLL on
 * held-out data, never on the data reported on.
 */

export const MIN_TEMPERATURE = 0.05;
export const MAX_TEMPERATURE = 20;

/** Mean NLL of softmax(β·z) and its first two derivatives with respect to β = 1/T. */
function nllAndDerivatives(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  beta: number,
): { nll: number; first: number; second: number } {
  const n = labels.length;
  let nll = 0;
  let first = 0;
  let second = 0;
  for (let i = 0, o = 0; i < n; i++, o += numClasses) {
    let max = -Infinity;
    for (let k = 0; k < numClasses; k++) max = Math.max(max, beta * logits[o + k]);
    let sum = 0;
    let mean = 0;
    let square = 0;
    for (let k = 0; k < numClasses; k++) {
      const z = logits[o + k];
      const e = Math.exp(beta * z - max);
      sum += e;
      mean += e * z;
      square += e * z * z;
    }
    mean /= sum;
    square /= sum;
    const zy = logits[o + labels[i]];
    nll += max + Math.log(sum) - beta * zy;
    first += mean - zy;
    second += square - mean * mean;
  }
  return { nll: nll / n, first: first / n, second: second / n };
}

/**
 * The temperature in [0.05, 20] minimising the mean NLL of softmax(z / T). The NLL is convex in
 * β = 1/T, so a Newton iteration on β, kept inside a shrinking bracket (bisection when a step
 * would leave it), converges in a few passes.
 */
export function fitTemperature(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): { temperature: number; nllBefore: number; nllAfter: number } {
  if (labels.length === 0) throw new RangeError('no samples to fit a temperature on');
  if (logits.length !== labels.length * numClasses) {
    throw new RangeError(
      `logits has ${logits.length} values, expected ${labels.length}×${numClasses}`,
    );
  }
  const nllBefore = nllAndDerivatives(logits, labels, numClasses, 1).nll;
  let lo = 1 / MAX_TEMPERATURE;
  let hi = 1 / MIN_TEMPERATURE;
  let beta = 1;
  for (let step = 0; step < 100; step++) {
    const { first, second } = nllAndDerivatives(logits, labels, numClasses, beta);
    if (first > 0) hi = beta;
    else lo = beta;
    let next = second > 0 ? beta - first / second : NaN;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - beta) <= 1e-10 * beta || hi - lo <= 1e-12) {
      beta = next;
      break;
    }
    beta = next;
  }
  beta = Math.min(Math.max(beta, 1 / MAX_TEMPERATURE), 1 / MIN_TEMPERATURE);
  return {
    temperature: 1 / beta,
    nllBefore,
    nllAfter: nllAndDerivatives(logits, labels, numClasses, beta).nll,
  };
}

/** Row-major softmax(z / T) probabilities. */
export function applyTemperature(
  logits: ArrayLike<number>,
  numClasses: number,
  temperature: number,
): Float32Array {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  const n = Math.floor(logits.length / numClasses);
  const probs = new Float32Array(n * numClasses);
  for (let i = 0, o = 0; i < n; i++, o += numClasses) {
    let max = -Infinity;
    for (let k = 0; k < numClasses; k++) max = Math.max(max, logits[o + k] / temperature);
    let sum = 0;
    for (let k = 0; k < numClasses; k++) sum += Math.exp(logits[o + k] / temperature - max);
    for (let k = 0; k < numClasses; k++) {
      probs[o + k] = Math.exp(logits[o + k] / temperature - max) / sum;
    }
  }
  return probs;
}
