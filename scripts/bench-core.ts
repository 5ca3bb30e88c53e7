/**
 * Times auditPredictions on synthetic predictions (default 100,000 samples, 10 classes, 1,000
 * bootstrap resamples) and prints JSON. `seconds` is the first, cold call in a fresh process,
 * which is what a user's audit costs; `repeatSeconds` are further calls.
 *
 *   node bin/run-ts.mjs scripts/bench-core.ts [samples] [classes] [resamples] [repeats]
 *
 * The synthetic model is overconfident like a typical trained network (see synthetic-predictions.ts).
 */
import { auditPredictions } from '../src/core';
import { syntheticPredictions } from './synthetic-predictions';

const [samples = 100_000, classes = 10, resamples = 1000, repeats = 0] = process.argv
  .slice(2)
  .map(Number);
const predictions = syntheticPredictions(samples, classes, 'overconfident');

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
