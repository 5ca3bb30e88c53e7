import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModelJson } from '../../../src/engine/model/model-json';
import { tempDir } from '../../helpers/temp-dir';

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
});

async function folderWith(name: string, file: string, bytes: Buffer | string): Promise<string> {
  const folder = path.join(dir, name);
  await mkdir(folder);
  await writeFile(path.join(folder, file), bytes);
  return path.join(folder, file);
}

describe('readModelJson on files that cannot be a model JSON', () => {
  it('refuses binary content by its first bytes', async () => {
    const zip = await folderWith('zip', 'model.json', Buffer.from('PK\x03\x04keras', 'latin1'));
    await expect(readModelJson(path.dirname(zip))).rejects.toThrow(
      `${zip}: is not JSON: it is a zip archive but not a Keras 3 .keras model`,
    );
    const nul = await folderWith('nul', 'model.json', Buffer.from('{"a":\0}', 'latin1'));
    await expect(readModelJson(nul)).rejects.toThrow(/NUL byte at byte 5/);
  });

  it('says where the JSON breaks without quoting the file', async () => {
    const file = await folderWith(
      'secret',
      'model.json',
      '{"modelTopology": root:x:0:0:root:/root:/bin/bash}\n',
    );
    const error = (await readModelJson(file).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      /^.*model\.json: is not valid JSON, possibly truncated( \(at character \d+\))?\.$/,
    );
    expect(error.message).not.toMatch(/root:x/);
    // Text that is not JSON at all is named by what it is, still without quoting it.
    const text = await folderWith('passwd', 'model.json', 'root:x:0:0:root:/root:/bin/bash\n');
    const notJson = (await readModelJson(text).catch((e: unknown) => e)) as Error;
    expect(notJson.message).toMatch(/model\.json: is not JSON: it is not a model file/);
    expect(notJson.message).not.toMatch(/root:x/);
  });

  it('refuses a sparse 1 GB model.json by its size, without reading it', async () => {
    const folder = path.join(dir, 'huge');
    await mkdir(folder);
    const file = path.join(folder, 'model.json');
    const handle = await open(file, 'w');
    await handle.write('{"modelTopology":');
    await handle.truncate(2 ** 30);
    await handle.close();
    await expect(readModelJson(folder)).rejects.toThrow(
      `${file}: is 1024 MiB, too large to be a model's JSON (at most 128 MiB).`,
    );
  });
});
