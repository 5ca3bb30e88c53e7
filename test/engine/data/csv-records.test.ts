import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCsvFields, readCsvRecords } from '../../../src/engine/data/csv-records.js';
import { collect, makeTempDir, writeFileDeep } from './fixtures.js';

describe('parseCsvFields', () => {
  it('splits on commas outside quotes', () => {
    expect(parseCsvFields('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(parseCsvFields('"a,b",c')).toEqual(['a,b', 'c']);
    expect(parseCsvFields('"say ""hi""",2')).toEqual(['say "hi"', '2']);
    expect(parseCsvFields('1, "x, y"')).toEqual(['1', 'x, y']);
    expect(parseCsvFields('"",')).toEqual(['', '']);
    expect(parseCsvFields('"multi\nline",3')).toEqual(['multi\nline', '3']);
  });
});

describe('readCsvRecords', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(() => cleanup());

  it('streams records across CRLF, BOM, blank lines and quoted newlines', async () => {
    const path = await writeFileDeep(
      join(dir, 'a.csv'),
      '\uFEFFh1,h2\r\n1,"two\r\nlines"\r\n\r\n3,4\n5,6',
    );
    const records = (await collect(readCsvRecords(path))).flat();
    expect(records).toEqual([
      { fields: ['h1', 'h2'], line: 1 },
      { fields: ['1', 'two\nlines'], line: 2 },
      { fields: ['3', '4'], line: 5 },
      { fields: ['5', '6'], line: 6 },
    ]);
  });

  it('reports a quote that is never closed', async () => {
    const path = await writeFileDeep(join(dir, 'b.csv'), 'a,b\n1,"oops\n2,3\n');
    await expect(collect(readCsvRecords(path))).rejects.toThrow(
      /b\.csv: line 2: a quoted field is never closed/,
    );
  });

  it('yields records as it reads, not all at the end', async () => {
    const line = `${'1,'.repeat(99)}1\n`;
    const path = await writeFileDeep(join(dir, 'big.csv'), line.repeat(5000));
    const chunks = await collect(readCsvRecords(path));
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.flat().length).toBe(5000);
  });

  it('refuses binary data at the chunk it appears in, naming the byte and the line', async () => {
    const text = `a,b\n${'1,2\n'.repeat(30_000)}`;
    const path = await writeFileDeep(join(dir, 'nul.csv'), `${text}3,\u00004\n5,6\n`);
    await expect(collect(readCsvRecords(path))).rejects.toThrow(
      `nul.csv: holds binary data (a NUL byte at byte ${text.length + 2}, line `,
    );
  });

  it('keeps a record split across many chunks whole, in linear time', async () => {
    const long = 'x'.repeat(3_000_000);
    const path = await writeFileDeep(join(dir, 'long.csv'), `h1,h2\n"${long}",2\n3,4\n`);
    const records = (await collect(readCsvRecords(path))).flat();
    expect(records.map((r) => [r.fields[0].length, r.fields[1], r.line])).toEqual([
      [2, 'h2', 1],
      [3_000_000, '2', 2],
      [1, '4', 3],
    ]);
  });

  it('refuses a line longer than any CSV record without holding the file', async () => {
    const path = await writeFileDeep(join(dir, 'one-line.csv'), `h\n${'9'.repeat(17 * 2 ** 20)}`);
    await expect(collect(readCsvRecords(path))).rejects.toThrow(
      /one-line\.csv: line 2 is too long to be a CSV record/,
    );
  });
});
