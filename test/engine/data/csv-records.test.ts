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
});
