import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEEP_RECENT_UPLOADS, Workspace } from '../../../src/host/browser/workspace';

let workspace: Workspace;

beforeAll(async () => {
  workspace = await Workspace.create(10_000);
});
afterAll(() => workspace.dispose());

async function upload(id: string, bytes: number): Promise<string> {
  const file = await workspace.fileFor(id, 'set/data.csv');
  workspace.take(id, 'data.csv', bytes);
  await writeFile(file, 'x'.repeat(bytes));
  return (await workspace.finish(id, 'testSet')).path;
}

describe('Workspace', () => {
  it('counts the bytes of every upload against its limit', async () => {
    await upload('count0000001', 4000);
    expect(workspace.usedBytes).toBe(4000);
    expect(() => workspace.take('count0000002', 'big.csv', 6001)).toThrow(
      'big.csv: would take the uploads past 10000 bytes; close audits you no longer need, or restart the host, and drop it again.',
    );
    workspace.give('count0000001', 4000);
    expect(workspace.usedBytes).toBe(0);
  });

  it('deletes finished uploads nothing uses, keeping the newest and those in use', async () => {
    const paths: string[] = [];
    for (let i = 0; i < KEEP_RECENT_UPLOADS + 3; i++)
      paths.push(await upload(`prune000000${i}`, 10));
    const inUse = [paths[1]];
    const deleted = await workspace.prune(inUse);
    expect(deleted).toEqual(['count0000001', 'prune0000000', 'prune0000002']);
    expect(paths.map((p) => existsSync(p))).toEqual([false, true, false, true, true, true, true]);
    expect(existsSync(path.dirname(paths[1]))).toBe(true);
    // Once no longer in use, it goes too (it is no longer among the newest).
    expect(await workspace.prune([])).toEqual(['prune0000001']);
  });

  it('names a TF.js model dropped as loose files by its JSON file, not by the upload id', async () => {
    for (const name of ['model.json', 'metadata.json', 'group1-shard1of1.bin', 'test.csv']) {
      const file = await workspace.fileFor('loose0000001', name);
      workspace.take('loose0000001', name, 2);
      await writeFile(file, '{}');
    }
    const model = await workspace.finish('loose0000001', 'model');
    expect(path.basename(model.path)).toBe('model');
    expect(model.label).toBe('4 dropped files');
    expect(model.items?.map((item) => path.relative(model.path, item))).toEqual([
      'group1-shard1of1.bin',
      'metadata.json',
      'model.json',
      'test.csv',
    ]);
    expect(model.items?.every((item) => existsSync(item))).toBe(true);
    // Loose files with no single JSON file among them stay where they were received.
    for (const name of ['a.csv', 'b.csv']) {
      const file = await workspace.fileFor('loose0000002', name);
      workspace.take('loose0000002', name, 2);
      await writeFile(file, 'x,y');
    }
    const two = await workspace.finish('loose0000002', 'model');
    expect(path.basename(two.path)).toBe('loose0000002');
    expect(two.label).toBe('2 dropped files');
  });
});
