import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CALIBRATORS } from '../../../src/core/calibrators/registry';
import { selectBackend } from '../../../src/engine/backend';
import { InputError } from '../../../src/engine/input-error';
import { CALIBRATION_MAP_FILE } from '../../../src/engine/model/calibration-map';
import { loadModel } from '../../../src/engine/model/load-model';
import { tempDir } from '../../helpers/temp-dir';
import { saveTinyModel } from '../../helpers/tiny-models';

let dir: string;
const x = Float32Array.from({ length: 40 * 4 }, (_, i) => Math.sin(i * 1.7) * 2);

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await tempDir();
});

async function folderWithMap(name: string, map: unknown): Promise<string> {
  const folder = path.join(dir, name);
  (await saveTinyModel(folder, { classes: 3 })).dispose();
  await writeFile(path.join(folder, CALIBRATION_MAP_FILE), JSON.stringify(map));
  return folder;
}

describe('calibration-map.json beside a model (an exported binning arm)', () => {
  it('is applied to every prediction, joins the fingerprint, and makes the model not trainable', async () => {
    const plain = path.join(dir, 'plain');
    (await saveTinyModel(plain, { classes: 3 })).dispose();
    const original = await loadModel(plain);
    const before = await original.predict(x, 40);
    original.dispose();
    const labels = Int32Array.from({ length: 40 }, (_, i) => i % 3);
    const fitted = CALIBRATORS.isotonic.fit({ logits: before.logits, labels, numClasses: 3 });
    const folder = await folderWithMap('isotonic', {
      schema: 'calibration-audit/calibration-map',
      schemaVersion: 1,
      calibrator: 'isotonic',
      name: 'isotonic regression',
      numClasses: 3,
      parameters: fitted.parameters,
    });
    const model = await loadModel(folder);
    try {
      const after = await model.predict(x, 40);
      expect(Array.from(after.probs)).toEqual(Array.from(fitted.apply(before.logits).probs));
      expect(model.info.notTrainable).toContain(CALIBRATION_MAP_FILE);
      expect(model.trainable).toBeUndefined();
      const unmapped = await loadModel(plain);
      expect(model.info.fingerprint).not.toBe(unmapped.info.fingerprint);
      unmapped.dispose();
    } finally {
      model.dispose();
    }
  });

  it('refuses a map that is not JSON, is for other classes, or whose parameters do not fit, naming the file', async () => {
    const valid = {
      schema: 'calibration-audit/calibration-map',
      schemaVersion: 1,
      calibrator: 'histogram',
      name: 'histogram binning',
      numClasses: 3,
      parameters: {
        bins: 2,
        values: [
          [0.1, 0.9],
          [0.2, 0.8],
          [0.3, 0.7],
        ],
      },
    };
    const cases: [string, unknown, RegExp][] = [
      ['not-json', '{', /is not valid JSON/],
      ['other-schema', { ...valid, schema: 'x' }, /is not a calibration map/],
      ['unknown', { ...valid, calibrator: 'bbq' }, /unknown calibrator/],
      ['classes', { ...valid, numClasses: 5 }, /a map for 5 classes; the model has 3/],
      ['shape', { ...valid, parameters: { bins: 2, values: 'x' } }, /do not form a histogram map/],
    ];
    for (const [name, map, message] of cases) {
      const folder = path.join(dir, name);
      (await saveTinyModel(folder, { classes: 3 })).dispose();
      await writeFile(
        path.join(folder, CALIBRATION_MAP_FILE),
        typeof map === 'string' ? map : JSON.stringify(map),
      );
      const failure = loadModel(folder);
      await expect(failure, name).rejects.toBeInstanceOf(InputError);
      await expect(failure, name).rejects.toThrow(message);
      await expect(failure, name).rejects.toThrow(CALIBRATION_MAP_FILE);
    }
    // The valid one loads.
    (await loadModel(await folderWithMap('valid', valid))).dispose();
  });
});
