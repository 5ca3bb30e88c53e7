import { applyTemperature, fitTemperature } from '../../temperature';
import { defineCalibrator } from '../base';

/**
 * Temperature scaling (Guo et al. 2017): softmax(z / T), the one-parameter member of the scaling
 * family (every diagonal weight tied to β = 1/T, no bias). The NLL is convex in β, so it is fitted
 * by the exact 1-D Newton iteration of `core/temperature.ts` rather than the general Newton helper
 * (the same minimum; netcal's `TemperatureScaling`).
 */
export const temperatureScaling = defineCalibrator(
  {
    id: 'temperature',
    family: 'scaling',
    name: 'temperature scaling',
    reference: 'Guo et al. 2017; netcal TemperatureScaling',
    appliesTo: (K) => K >= 2,
  },
  (data) => {
    const K = data.numClasses;
    const { temperature } = fitTemperature(data.logits, data.labels, K);
    return { parameters: { temperature }, summary: `T = ${temperature.toFixed(3)}` };
  },
  (parameters, K) => {
    const temperature = parameters.temperature as number;
    return (logits) => ({
      probs: applyTemperature(logits, K, temperature),
      logits: Float32Array.from(logits, (z) => z / temperature),
    });
  },
);
