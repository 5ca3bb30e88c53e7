import { describe, expect, it } from 'vitest';
import { auditPredictions } from '../../src/core';
import { BootstrapHelper, auditPredictionsInParallel } from '../../src/engine/parallel-bootstrap';
import { syntheticPredictions } from '../core/synthetic';

const ENTRY = new URL('../../src/engine/worker/thread-entry.mjs', import.meta.url);

describe('auditPredictionsInParallel', () => {
  const predictions = syntheticPredictions(3000, 5, 4);
  const options = { bootstrapResamples: 200, seed: 3 };

  it('gives exactly the report of auditPredictions, with half the resamples on a second thread', async () => {
    const helper = new BootstrapHelper(ENTRY);
    try {
      const parallel = await auditPredictionsInParallel(predictions, options, helper);
      expect(parallel).toEqual(auditPredictions(predictions, options));
    } finally {
      await helper.close();
    }
  });

  it('computes everything on this thread when the helper thread cannot start', async () => {
    const helper = new BootstrapHelper(new URL('./no-such-entry.mjs', import.meta.url));
    try {
      const report = await auditPredictionsInParallel(predictions, options, helper);
      expect(report).toEqual(auditPredictions(predictions, options));
    } finally {
      await helper.close();
    }
  });

  it('needs no helper at all', async () => {
    expect(await auditPredictionsInParallel(predictions, options, null)).toEqual(
      auditPredictions(predictions, options),
    );
  });
});
