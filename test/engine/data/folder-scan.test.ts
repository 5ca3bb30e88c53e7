import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanImageFolder } from '../../../src/engine/data/folder-scan.js';
import { openDataset } from '../../../src/engine/data/index.js';
import { GRAY_28, grayPng, idxPair, makeTempDir, writeFileDeep, writeIdxPair } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

describe('scanImageFolder and links', () => {
  it('follows a link to a file inside the folder; skips the others, each with a notice', async () => {
    const root = join(dir, 'set');
    const png = grayPng(28, 28, () => 9);
    await writeFileDeep(join(root, 'a', 'one.png'), png);
    await writeFileDeep(join(root, 'b', 'two.png'), png);
    await writeFileDeep(join(dir, 'outside', 'secret.png'), png);
    await mkdir(join(dir, 'outside', 'folder'), { recursive: true });
    await symlink(join(root, 'a', 'one.png'), join(root, 'b', 'inside-link.png'));
    await symlink(join(dir, 'outside', 'secret.png'), join(root, 'b', 'outside-link.png'));
    await symlink(join(dir, 'outside', 'folder'), join(root, 'b', 'folder-link'));
    await symlink(join(dir, 'nowhere.png'), join(root, 'a', 'broken.png'));
    await symlink(join(dir, 'outside'), join(root, 'c'));

    const scan = await scanImageFolder(root);
    expect(scan.classFolders).toEqual(['a', 'b']);
    expect(scan.files.map((f) => f.relPath)).toEqual([
      'a/one.png',
      'b/inside-link.png',
      'b/two.png',
    ]);
    expect(scan.skipped).toEqual([
      { file: 'a/broken.png', reason: 'is a broken link; skipped' },
      { file: 'b/folder-link', reason: 'is a link to a folder, which is not followed; skipped' },
      {
        file: 'b/outside-link.png',
        reason: 'is a link to a file outside the test-set folder; skipped',
      },
      { file: 'c', reason: 'is a link to a folder, which is not followed; skipped' },
    ]);

    // The opened test set lists them with its skipped files.
    const opened = await openDataset(root, { input: GRAY_28, numClasses: 2, classNames: null });
    expect(opened.info.sampleCount).toBe(3);
    expect(opened.info.skipped.map((s) => s.file)).toEqual(
      expect.arrayContaining(['b/outside-link.png', 'c', 'a/broken.png', 'b/folder-link']),
    );
  });

  it('refuses an IDX file in the folder that links out of it', async () => {
    const elsewhere = join(dir, 'elsewhere');
    const pair = await writeIdxPair(elsewhere, 't10k', idxPair([0, 1], 2, 2), false);
    const folder = join(dir, 'idx');
    await mkdir(folder);
    await writeFile(join(folder, 't10k-labels-idx1-ubyte'), idxPair([0, 1], 2, 2).labels);
    await symlink(pair.images, join(folder, 't10k-images-idx3-ubyte'));
    await expect(
      openDataset(folder, {
        input: { kind: 'image', height: 2, width: 2, channels: 1 },
        numClasses: 2,
        classNames: null,
      }),
    ).rejects.toThrow(
      `${join(folder, 't10k-images-idx3-ubyte')}: is a link to a file outside the test-set folder; refused`,
    );
  });
});
