import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, type MetricEstimate, type MetricName } from '../../../src/core';
import { describeTradeOffs, type TradeOffInputs } from '../../../src/engine/finetune/trade-offs';
import type { FinetuneArm, FinetuneArmName } from '../../../src/shared/finetune-document';

type Values = Partial<Record<MetricName, number>>;

function metrics(values: Values): Record<MetricName, MetricEstimate> {
  return Object.fromEntries(
    METRIC_NAMES.map((name) => [name, { value: values[name] ?? 0.5, ci95: [0.4, 0.6] }]),
  ) as Record<MetricName, MetricEstimate>;
}

function deltas(values: Record<string, [number, number, number]>) {
  return Object.fromEntries(
    METRIC_NAMES.map((name) => {
      const [value, lo, hi] = values[name] ?? [0, -0.01, 0.01];
      return [name, { value, ci95: [lo, hi] }];
    }),
  ) as Record<MetricName, MetricEstimate>;
}

function arm(name: FinetuneArmName, values: Values, extra: Partial<FinetuneArm> = {}): FinetuneArm {
  return {
    name,
    label: name,
    alpha: null,
    temperature: null,
    metrics: metrics(values),
    bins: [],
    confidenceHistogram: { edges: [], correct: [], wrong: [] },
    logitGap: {
      summary: { mean: 5, median: name === 'smoothed' ? 3 : 7, p10: 1, p90: 9, max: 12 },
      histogram: { edges: [], counts: [] },
    },
    riskCoverage: { coverage: [], risk: [] },
    calibration: { nll: 0.3, ece: 0.02 },
    ...extra,
  };
}

function inputs(smoothed: Record<string, [number, number, number]>, resamples = 1000) {
  return {
    arms: {
      original: arm('original', { ece: 0.05, misclassificationAuroc: 0.9, aurc: 0.02 }),
      control: arm('control', { ece: 0.045 }),
      smoothed: arm('smoothed', { ece: 0.02, misclassificationAuroc: 0.87, aurc: 0.025 }),
      temperature: arm('temperature', { ece: 0.01 }, { temperature: 1.5 }),
    },
    deltas: {
      control: deltas({ ece: [-0.005, -0.01, 0.002] }),
      smoothed: deltas(smoothed),
      temperature: deltas({ ece: [-0.04, -0.05, -0.03] }),
    },
    smoothingEffect: deltas({ ece: [-0.025, -0.035, -0.015] }),
    alpha: 0.1,
    numClasses: 10,
    optimumLogitGap: Math.log((0.9 + 0.01) / 0.01),
    sweep: null,
    bootstrapResamples: resamples,
  } satisfies TradeOffInputs;
}

describe('describeTradeOffs', () => {
  it('says plainly when smoothing lowers misclassification AUROC and the interval excludes 0', () => {
    const lines = describeTradeOffs(
      inputs({
        ece: [-0.03, -0.04, -0.02],
        misclassificationAuroc: [-0.03, -0.05, -0.01],
        aurc: [0.005, 0.001, 0.009],
      }),
    );
    const tradeOff = lines.find((line) => line.startsWith('Trade-off:'));
    expect(tradeOff).toMatch(/Label smoothing \(α = 0\.1\) made confidence WORSE/);
    expect(tradeOff).toMatch(
      /misclassification AUROC 0\.9000 → 0\.8700 \(−0\.0300, 95% CI −0\.0500 to −0\.0100\)/,
    );
    expect(tradeOff).toMatch(/AURC 0\.0200 → 0\.0250 \(\+0\.0050/);
    expect(lines).toContain(
      'Label smoothing (α = 0.1) lowered ECE from 5.00% to 2.00% (−3.00 points, 95% CI −4.00 to −2.00 points).',
    );
    expect(lines.some((line) => /smoothing itself lowered ECE/.test(line))).toBe(true);
    expect(lines.some((line) => /log\(\(1 − α \+ α\/K\)\/\(α\/K\)\) = 4\.51/.test(line))).toBe(
      true,
    );
  });

  it('calls a change whose interval includes 0 noise, not a trade-off', () => {
    const lines = describeTradeOffs(
      inputs({
        ece: [-0.03, -0.05, 0.01],
        misclassificationAuroc: [-0.01, -0.03, 0.01],
        aurc: [0.001, -0.002, 0.004],
      }),
    );
    expect(lines.some((line) => line.startsWith('Trade-off:'))).toBe(false);
    expect(lines.some((line) => /within noise/.test(line))).toBe(true);
    expect(lines).toContain(
      'Label smoothing (α = 0.1): no clear change in ECE (5.00% → 2.00%, −3.00 points, 95% CI −5.00 to +1.00 points).',
    );
    // The control's ECE change (−0.5 points, −1.0 to +0.2) is no clear change either.
    expect(
      lines.some((line) =>
        line.startsWith(
          'Fine-tuning alone (α = 0, same budget): no clear change in ECE (−0.50 points, 95% CI −1.00 to +0.20 points)',
        ),
      ),
    ).toBe(true);
    expect(lines.some((line) => /WORSE|BETTER|-0\.00|±/.test(line))).toBe(false);
  });

  it('ranks temperature scaling and smoothing only with the paired interval of their difference', () => {
    const base = inputs({ ece: [-0.03, -0.04, -0.02] });
    const untested = describeTradeOffs(base);
    expect(untested).toContain(
      'Temperature scaling had the lower ECE (temperature scaling 1.00%, label smoothing 2.00%; point estimates, no paired interval, so this ranking is not tested against noise).',
    );
    const close = describeTradeOffs({
      ...base,
      temperatureMinusSmoothed: deltas({ ece: [-0.0005, -0.002, 0.001] }),
    });
    expect(close).toContain(
      'ECE: no clear difference between them (temperature scaling 1.00%, label smoothing 2.00%; difference −0.05 points, 95% CI −0.20 to +0.10 points).',
    );
    const clear = describeTradeOffs({
      ...base,
      temperatureMinusSmoothed: deltas({ ece: [-0.01, -0.015, -0.005] }),
    });
    expect(
      clear.some((line) =>
        line.startsWith(
          'Temperature scaling reached a lower ECE than label smoothing without retraining',
        ),
      ),
    ).toBe(true);
  });

  it('does not pass [value, value] off as an interval when there were no resamples', () => {
    const lines = describeTradeOffs(
      inputs(
        {
          ece: [-0.03, -0.03, -0.03],
          misclassificationAuroc: [-0.03, -0.03, -0.03],
          aurc: [0.005, 0.005, 0.005],
        },
        0,
      ),
    );
    expect(lines.some((line) => line.startsWith('Trade-off:'))).toBe(false);
    expect(lines.some((line) => /95% CI/.test(line))).toBe(false);
    expect(lines.filter((line) => /not tested against noise/.test(line)).length).toBeGreaterThan(2);
  });

  it('cautions every number of a small evaluation or calibration part', () => {
    const lines = describeTradeOffs({
      ...inputs({ ece: [-0.03, -0.04, -0.02] }),
      partSizes: { calibration: 29, evaluation: 28 },
    });
    expect(lines[0]).toBe(
      'Caution: the evaluation part has only 28 samples (under 200); every change below is uncertain, read the intervals.',
    );
    expect(
      lines.some((line) =>
        line.includes('(T = 1.500, fitted on the calibration part from only 29 samples)'),
      ),
    ).toBe(true);
  });
});
