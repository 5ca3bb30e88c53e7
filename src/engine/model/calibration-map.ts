import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CALIBRATORS } from '../../core/calibrators/registry';
import { CALIBRATOR_IDS, type CalibratorId } from '../../core/calibrators/types';
import { InputError } from '../input-error';
import type { LoadedModel } from './loaded-model';

/** The file an exported binning arm keeps its map in (see src/engine/finetune/export.ts). */
export const CALIBRATION_MAP_FILE = 'calibration-map.json';

/** The clip applied before log p when a map gives probabilities only (as metrics.ts clips). */
const PROBABILITY_FLOOR = 1e-7;

/**
 * A model folder exported from a binning arm (histogram binning, isotonic regression) holds the
 * original model and `calibration-map.json`. The app applies the map to every prediction, so the
 * reloaded folder gives the arm's probabilities (and log-probabilities, clipped at 1e-7, where
 * logits are asked for). The map's bytes join the fingerprint; the wrapped model does not train
 * (the map was fitted on the original's outputs). Folders without the file are returned as they are.
 */
export async function withCalibrationMap(model: LoadedModel): Promise<LoadedModel> {
  const folder = model.trainable?.folder ?? path.dirname(model.info.file);
  const file = path.join(folder, CALIBRATION_MAP_FILE);
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return model;
  try {
    const fitted = readMap(file, text, model.info.numClasses);
    return {
      info: {
        ...model.info,
        fingerprint: createHash('sha256').update(model.info.fingerprint).update(text).digest('hex'),
        notTrainable: `applies the post-hoc map in ${CALIBRATION_MAP_FILE}; fine-tune the model without it.`,
      },
      async predict(x, count) {
        const scores = await model.predict(x, count);
        const { probs, logits } = fitted.apply(scores.logits);
        return {
          probs,
          logits:
            logits ?? Float32Array.from(probs, (p) => Math.log(Math.max(p, PROBABILITY_FLOOR))),
        };
      },
      dispose: () => model.dispose(),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function readMap(file: string, text: string, numClasses: number) {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new InputError(file, 'is not valid JSON.');
  }
  if (!json || typeof json !== 'object' || json.schema !== 'calibration-audit/calibration-map') {
    throw new InputError(
      file,
      "is not a calibration map (schema 'calibration-audit/calibration-map').",
    );
  }
  const id = json.calibrator as CalibratorId;
  if (!CALIBRATOR_IDS.includes(id)) {
    throw new InputError(file, `names an unknown calibrator; known: ${CALIBRATOR_IDS.join(', ')}.`);
  }
  if (json.numClasses !== numClasses) {
    throw new InputError(
      file,
      `is a map for ${String(json.numClasses).slice(0, 20)} classes; the model has ${numClasses}.`,
    );
  }
  try {
    const fitted = CALIBRATORS[id].restore(
      json.parameters as Parameters<(typeof CALIBRATORS)[CalibratorId]['restore']>[0],
      numClasses,
    );
    // A probe row: parameters of the wrong shape fail here, not at the first prediction.
    const { probs } = fitted.apply(new Float32Array(numClasses));
    if (probs.length !== numClasses || !probs.every((p) => p >= 0 && p <= 1)) {
      throw new RangeError('the map does not give probabilities');
    }
    return fitted;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new InputError(
      file,
      `has parameters that do not form a ${id} map: ${message.slice(0, 200)}`,
    );
  }
}
