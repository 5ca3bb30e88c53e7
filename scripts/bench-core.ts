/**
 * Times auditPredictions on synthetic predictions (default 100,000 samples, 10 classes, 1,000
 * bootstrap resamples) and prints JSON. `seconds` is the first, cold call in a fresh process,
 * which is what a user's audit costs; `repeatSeconds` are further calls.
 *
 *   node bin/run-ts.mjs scripts/bench-core.ts [samples] [classes] [resamples] [repeats]
 *
 * The synthetic model is overconfident like a typical trained network: logits 4·(z + 3·[k = y])
 * with z ~ N(0, 1), whose calibrated scale would be 3; about 90% accuracy, ECE about 3%.
 */
import { auditPredictions, Rng, type Predictions } from '../src/core';

function syntheticPredictions(samples: number, classes: number, seed: number): Predictions {
  const rng = new Rng(seed);
  const gaussian = (): number => {
    const u = rng.nextFloat() || Number.MIN_VALUE;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
  };
  const labels = new Int32Array(samples);
  const logits = new Float32Array(samples * classes);
  const probs = new Float32Array(samples * classes);
  for (let i = 0; i < samples; i++) {
    const y = rng.nextInt(classes);
    labels[i] = y;
    const o = i * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) {
      logits[o + k] = 4 * (gaussian() + (k === y ? 3 : 0));
      max = Math.max(max, logits[o + k]);
    }
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(logits[o + k] - max);
    for (let k = 0; k < classes; k++) probs[o + k] = Math.exp(logits[o + k] - max) / sum;
  }
  return { numClasses: classes, labels, probs, logits };
}

const [samples = 100_000, classes = 10, resamples = 1000, repeats = 0] = process.argv
  .slice(2)
  .map(Number);
const predictions = syntheticPredictions(samples, classes, 1);

function timeAudit(): { seconds: number; cpuSeconds: number; ece: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const report = auditPredictions(predictions, { bootstrapResamples: resamples, seed: 0 });
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, ece: report.metrics.ece.value };
}

const first = timeAudit();
const repeatSeconds: number[] = [];
for (let r = 0; r < repeats; r++) repeatSeconds.push(timeAudit().seconds);
console.log(
  JSON.stringify({
    samples,
    classes,
    resamples,
    seconds: Number(first.seconds.toFixed(3)),
    cpuSeconds: Number(first.cpuSeconds.toFixed(3)),
    repeatSeconds: repeatSeconds.map((s) => Number(s.toFixed(3))),
    ece: Number(first.ece.toFixed(4)),
  }),
);
