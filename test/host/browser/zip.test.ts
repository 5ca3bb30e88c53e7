import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { zipFolder } from '../../../src/host/browser/zip';
import { tempDir } from '../../helpers/temp-dir';

const run = promisify(execFile);

describe('zipFolder', () => {
  it('writes an archive that unzip verifies and extracts byte for byte', async () => {
    const dir = await tempDir();
    const folder = path.join(dir, 'model');
    await mkdir(folder);
    const shard = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
    await writeFile(path.join(folder, 'model.json'), '{"modelTopology":{}}');
    await writeFile(path.join(folder, 'group1-shard1of1.bin'), shard);
    const archive = path.join(dir, 'model.zip');
    await writeFile(archive, await zipFolder(folder, 'finetuned-model'));

    const test = await run('unzip', ['-t', archive]);
    expect(test.stdout).toMatch(/No errors detected/);
    await run('unzip', ['-q', archive, '-d', path.join(dir, 'out')]);
    const out = path.join(dir, 'out', 'finetuned-model');
    expect(await readFile(path.join(out, 'group1-shard1of1.bin'))).toEqual(shard);
    expect(await readFile(path.join(out, 'model.json'), 'utf8')).toBe('{"modelTopology":{}}');
  });
});
