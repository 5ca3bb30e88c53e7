import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectDatasetFormat, openDataset } from '../../../src/engine/data/index.js';
import { datasetFile } from '../../../src/engine/data/detect-format.js';
import { InputError } from '../../../src/engine/input-error.js';
import { grayPng, idxPair, makeTempDir, writeFileDeep } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

describe('detectDatasetFormat', () => {
  it('says a missing path does not exist', async () => {
    const missing = join(dir, 'nope');
    await expect(detectDatasetFormat(missing)).rejects.toThrow(
      new InputError(missing, 'does not exist'),
    );
    await expect(
      openDataset(missing, {
        input: { kind: 'features', size: 1 },
        classNames: null,
        numClasses: 2,
      }),
    ).rejects.toThrow(`${missing}: does not exist`);
  });

  it('tells folders of classes from folders of IDX files', async () => {
    await writeFileDeep(
      join(dir, 'folder/cat/a.png'),
      grayPng(2, 2, () => 0),
    );
    expect(await detectDatasetFormat(join(dir, 'folder'))).toBe('image-folder');
    await writeFileDeep(join(dir, 'idx/t10k-labels-idx1-ubyte'), idxPair([1], 1, 1).labels);
    expect(await detectDatasetFormat(join(dir, 'idx'))).toBe('idx');
  });

  it('tells files by name, then by content', async () => {
    const { images } = idxPair([1], 2, 2);
    expect(
      await detectDatasetFormat(await writeFileDeep(join(dir, 'x-images-idx3-ubyte.gz'), 'junk')),
    ).toBe('idx');
    expect(await detectDatasetFormat(await writeFileDeep(join(dir, 'renamed.bin'), images))).toBe(
      'idx',
    );
    expect(
      await detectDatasetFormat(await writeFileDeep(join(dir, 'renamed.gz'), gzipSync(images))),
    ).toBe('idx');
    expect(
      await detectDatasetFormat(await writeFileDeep(join(dir, 'data.csv'), 'label,a\n1,2\n')),
    ).toBe('csv');
    expect(
      await detectDatasetFormat(await writeFileDeep(join(dir, 'data'), 'label,a\n1,2\n')),
    ).toBe('csv');
  });

  it('refuses single images, other gzip files and binary files', async () => {
    const png = await writeFileDeep(
      join(dir, 'one.png'),
      grayPng(2, 2, () => 0),
    );
    await expect(detectDatasetFormat(png)).rejects.toThrow(/is a single image/);
    const gz = await writeFileDeep(join(dir, 'text.gz'), gzipSync('hello'));
    await expect(detectDatasetFormat(gz)).rejects.toThrow(/gzip-compressed but not an IDX file/);
    const bin = await writeFileDeep(join(dir, 'blob.bin'), Buffer.from([1, 0, 2, 0, 3]));
    await expect(detectDatasetFormat(bin)).rejects.toThrow(/is not a test set this app reads/);
  });

  it('refuses binary content named .csv by its content, not its name', async () => {
    const zip = await writeFileDeep(
      join(dir, 'model.csv'),
      Buffer.from('PK\x03\x04rest', 'latin1'),
    );
    await expect(detectDatasetFormat(zip)).rejects.toThrow(
      `${zip}: is a ZIP archive (a .keras file, say), so it is not a test set this app reads (whatever its name): expected`,
    );
    const utf16 = await writeFileDeep(
      join(dir, 'u16.csv'),
      Buffer.from('label,x\n1,2\n', 'utf16le'),
    );
    await expect(detectDatasetFormat(utf16)).rejects.toThrow(
      /u16\.csv: holds binary data \(a NUL byte at byte 1\), or text saved as UTF-16, so it is not a test set/,
    );
  });

  it('refuses a 2 GB sparse file named .csv from its first bytes, without reading it', async () => {
    const big = join(dir, 'huge.csv');
    const { open } = await import('node:fs/promises');
    const handle = await open(big, 'w');
    await handle.truncate(2 * 2 ** 30);
    await handle.close();
    const error = await openDataset(big, {
      input: { kind: 'features', size: 3 },
      numClasses: 2,
      classNames: null,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(
      `${big}: holds binary data (a NUL byte at byte 0), or text saved as UTF-16, so it is not a test set this app reads (whatever its name): expected a folder of class subfolders, a CSV file or an IDX file`,
    );
  });

  it('reads a folder holding just one CSV as that CSV', async () => {
    const file = await writeFileDeep(join(dir, 'only/test.csv'), 'x,label\n1,0\n2,1\n');
    await writeFileDeep(join(dir, 'only/.DS_Store'), 'mac');
    expect(await detectDatasetFormat(join(dir, 'only'))).toBe('csv');
    expect(await datasetFile(join(dir, 'only'))).toBe(file);
    const opened = await openDataset(join(dir, 'only'), {
      input: { kind: 'features', size: 1 },
      classNames: null,
      numClasses: 2,
    });
    expect(opened.info).toMatchObject({ path: file, format: 'csv', sampleCount: 2 });
    // Beside another file it is not a lone CSV: the folder is read as image classes (and refused).
    await writeFileDeep(join(dir, 'two/test.csv'), 'x,label\n1,0\n');
    await writeFileDeep(join(dir, 'two/notes.md'), 'hi');
    expect(await detectDatasetFormat(join(dir, 'two'))).toBe('image-folder');
  });
});
