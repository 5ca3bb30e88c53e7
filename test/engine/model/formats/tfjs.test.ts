import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfjsLoader } from '../../../../src/engine/model/formats/tfjs';
import { probeLocation } from '../../../../src/engine/model/model-loader';
import { tempDir } from '../../../helpers/temp-dir';

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
});

async function matchOf(location: string) {
  return tfjsLoader.match(await probeLocation(location));
}

describe('the TF.js loader: match', () => {
  it('claims a folder with model.json, and one with a NAME.json holding a modelTopology', async () => {
    const a = path.join(dir, 'a');
    await mkdir(a);
    await writeFile(path.join(a, 'model.json'), '{}');
    expect(await matchOf(a)).toEqual({ format: 'layers', file: path.join(a, 'model.json') });
    const b = path.join(dir, 'b');
    await mkdir(b);
    await writeFile(path.join(b, 'metadata.json'), '{"modelTopology": "not this one"}');
    await writeFile(path.join(b, 'my-model.json'), '{"modelTopology": {}}');
    expect(await matchOf(b)).toEqual({ format: 'layers', file: b });
  });

  it('leaves a folder without a model JSON, and files that are not JSON, to other loaders', async () => {
    const c = path.join(dir, 'c');
    await mkdir(c);
    await writeFile(path.join(c, 'metadata.json'), '{"labels": ["x"]}');
    await writeFile(path.join(c, 'model.keras'), 'PK\x03\x04');
    expect(await matchOf(c)).toBeNull();
    expect(await matchOf(path.join(c, 'model.keras'))).toBeNull();
  });

  it('claims any JSON file, so that a broken model.json gets the TF.js wording', async () => {
    const file = path.join(dir, 'broken.json');
    await writeFile(file, '  \n {"modelTopology": ');
    expect(await matchOf(file)).toEqual({ format: 'layers', file });
  });
});
