import { copyFile, mkdir, readdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModelJson } from '../../../src/engine/model/model-json';
import { checkWeightShards } from '../../../src/engine/model/weight-shards';
import { saveTinyModel } from '../../helpers/tiny-models';
import { tempDir } from '../../helpers/temp-dir';

let dir: string;
let source: string;
let shardName: string;

beforeAll(async () => {
  dir = await tempDir();
  source = path.join(dir, 'source');
  await saveTinyModel(source);
  shardName = (await readdir(source)).find((n) => n.endsWith('.bin')) as string;
});

/** A copy of the tiny model whose weight shard is replaced by a link to `target`. */
async function modelWithLinkedShard(name: string, target: (folder: string) => Promise<string>) {
  const folder = path.join(dir, name);
  await mkdir(folder);
  for (const file of await readdir(source)) {
    await copyFile(path.join(source, file), path.join(folder, file));
  }
  const shard = path.join(folder, shardName);
  const linked = await target(folder);
  await rename(shard, `${shard}.moved`);
  await symlink(linked, shard);
  return folder;
}

describe('checkWeightShards and links', () => {
  it('accepts the shards of a plain model folder', async () => {
    const shards = await checkWeightShards(await readModelJson(source));
    expect(shards.map((s) => path.basename(s.file))).toEqual([shardName]);
  });

  it('refuses a shard that is a link to a file outside the model folder, as it refuses ../', async () => {
    const outside = path.join(dir, 'elsewhere.bin');
    await writeFile(outside, await readFile(path.join(source, shardName)));
    const folder = await modelWithLinkedShard('linked-out', async () => outside);
    await expect(checkWeightShards(await readModelJson(folder))).rejects.toThrow(
      `${path.join(folder, 'model.json')}: names the weight file './${shardName}', a link to a file outside the model folder; refused.`,
    );
  });

  it('accepts a shard that is a link to a file inside the model folder', async () => {
    const folder = await modelWithLinkedShard('linked-in', async (f) => {
      await writeFile(path.join(f, 'real.bin'), await readFile(path.join(source, shardName)));
      return path.join(f, 'real.bin');
    });
    const shards = await checkWeightShards(await readModelJson(folder));
    expect(shards).toHaveLength(1);
  });
});
