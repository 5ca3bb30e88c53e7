import { describe, expect, it } from 'vitest';
import {
  auditPredictions,
  completeAudit,
  computePointEstimates,
  prepareAudit,
} from '../../src/core';
import { littleBootstrapIntervals } from '../../src/core/little-bootstrap';
import {
  BootstrapHelper,
  auditPredictionsInParallel,
  auditPreparedInParallel,
  shareLargeArrays,
} from '../../src/engine/parallel-bootstrap';
import { CancelledError } from '../../src/engine/inference';
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

  it('shares the bag of little bootstraps between the threads with the same report', async () => {
    // Point estimates without resampling data, as above LARGE_SAMPLE_THRESHOLD samples.
    const prepared = prepareAudit(predictions, options);
    prepared.point = computePointEstimates(predictions, 15, false);
    const expected = completeAudit(
      prepared,
      littleBootstrapIntervals(predictions, prepared.point.values, {
        binCount: 15,
        smoothBandwidth: prepared.point.smoothBandwidth,
        resamples: 200,
        seed: 3,
      }),
    );
    expect(expected.intervalMethod?.method).toBe('bag-of-little-bootstraps');
    const helper = new BootstrapHelper(ENTRY);
    try {
      expect(await auditPreparedInParallel(prepared, helper)).toEqual(expected);
      expect(await auditPreparedInParallel(prepared, null)).toEqual(expected);
    } finally {
      await helper.close();
    }
    // Progress in resamples, subset by subset, and a cancel heard between subsets.
    const reports: [number, number][] = [];
    const withProgress = await auditPreparedInParallel(prepared, null, {
      onProgress: (done, total) => reports.push([done, total]),
    });
    expect(withProgress).toEqual(expected);
    expect(reports[0]).toEqual([0, 200]);
    expect(reports.at(-1)).toEqual([200, 200]);
    expect(reports).toHaveLength(11);
    const controller = new AbortController();
    const cancelled = auditPreparedInParallel(prepared, null, {
      signal: controller.signal,
      onProgress: (done) => done >= 40 && controller.abort(),
    });
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
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

describe('shareLargeArrays', () => {
  it('moves arrays of 1 MiB or more into shared memory with the same values, and leaves the rest', () => {
    const data = prepareAudit(syntheticPredictions(40_000, 10, 1), { bins: 15 }).point.data!;
    const before = {
      dense: data.dense.slice(),
      order: data.order.slice(),
      bounds: data.adaptiveBounds,
    };
    shareLargeArrays(data);
    expect(data.dense.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(data.dense).toEqual(before.dense);
    expect(data.order).toEqual(before.order);
    expect(data.adaptiveBounds).toBe(before.bounds);
  });

  it('gives the same report when the helper thread reads shared arrays', async () => {
    const large = syntheticPredictions(40_000, 10, 2);
    const options = { bootstrapResamples: 10, seed: 5 };
    const helper = new BootstrapHelper(ENTRY);
    try {
      expect(await auditPredictionsInParallel(large, options, helper)).toEqual(
        auditPredictions(large, options),
      );
    } finally {
      await helper.close();
    }
  });
});
