import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../input-error.js';
import { MAX_CSV_RECORD_CHARS } from './limits.js';
import { readError } from './streams.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line of the file where the record starts. */
  line: number;
}

/** Splits one record into fields: commas separate, "double quotes" protect commas and newlines. */
export function parseCsvFields(text: string): string[] {
  if (!text.includes('"')) return text.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let start = i;
    while (text[start] === ' ' || text[start] === '\t') start++;
    if (text[start] !== '"') {
      const comma = text.indexOf(',', i);
      fields.push(comma < 0 ? text.slice(i) : text.slice(i, comma));
      if (comma < 0) return fields;
      i = comma + 1;
      continue;
    }
    let value = '';
    i = start + 1;
    for (;;) {
      const quote = text.indexOf('"', i);
      if (quote < 0) {
        value += text.slice(i);
        i = text.length;
        break;
      }
      value += text.slice(i, quote);
      if (text[quote + 1] === '"') {
        value += '"';
        i = quote + 2;
      } else {
        i = quote + 1;
        break;
      }
    }
    // Anything between the closing quote and the next comma is kept, as spreadsheets do.
    const comma = text.indexOf(',', i);
    value += comma < 0 ? text.slice(i) : text.slice(i, comma);
    fields.push(value);
    if (comma < 0) return fields;
    i = comma + 1;
  }
}

function countQuotes(line: string): number {
  let n = 0;
  for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * The records of a CSV file, streamed line by line and yielded a chunk's worth at a time.
 * Blank lines are skipped. `onBytes` sees every raw chunk (for the fingerprint).
 */
export async function* readCsvRecords(
  path: string,
  signal?: AbortSignal,
  onBytes?: (chunk: Buffer) => void,
): AsyncGenerator<CsvRecord[]> {
  const decoder = new StringDecoder('utf8');
  let lineNumber = 0;
  let first = true;
  let pending: string | null = null; // a record whose quoted field spans lines
  let pendingLine = 0;
  let openQuote = false;

  function take(lines: string[], out: CsvRecord[]): void {
    for (let line of lines) {
      lineNumber++;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (pending === null) {
        if (line.trim() === '') continue;
        pending = line;
        pendingLine = lineNumber;
        openQuote = false;
      } else {
        pending += `\n${line}`;
      }
      if (countQuotes(line) % 2 === 1) openQuote = !openQuote;
      if (openQuote) {
        if (pending.length > MAX_CSV_RECORD_CHARS) {
          throw new InputError(path, `line ${pendingLine}: a quoted field is never closed`);
        }
        continue;
      }
      out.push({ fields: parseCsvFields(pending), line: pendingLine });
      pending = null;
    }
  }

  const stream = createReadStream(path);
  // The unfinished last line, in pieces: joined once its end arrives, so a long line costs linear time.
  let carry: string[] = [];
  let carryLength = 0;
  let offset = 0;
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      const bytes = chunk as Buffer;
      const nul = bytes.indexOf(0);
      if (nul >= 0) {
        throw new InputError(
          path,
          `holds binary data (a NUL byte at byte ${offset + nul}, line ${lineNumber + 1}), not CSV text`,
        );
      }
      offset += bytes.length;
      onBytes?.(bytes);
      let text = decoder.write(bytes);
      if (first) {
        text = text.replace(/^\uFEFF/, '');
        first = false;
      }
      const lastNewline = text.lastIndexOf('\n');
      if (lastNewline < 0) {
        carry.push(text);
        carryLength += text.length;
        if (carryLength > MAX_CSV_RECORD_CHARS) {
          throw new InputError(path, `line ${lineNumber + 1} is too long to be a CSV record`);
        }
        continue;
      }
      const lines = (carry.join('') + text.slice(0, lastNewline)).split('\n');
      carry = [text.slice(lastNewline + 1)];
      carryLength = carry[0].length;
      const records: CsvRecord[] = [];
      take(lines, records);
      if (records.length > 0) yield records;
    }
  } catch (error) {
    throw readError(path, error);
  } finally {
    stream.destroy();
  }
  const records: CsvRecord[] = [];
  take([carry.join('') + decoder.end()], records);
  if (openQuote) throw new InputError(path, `line ${pendingLine}: a quoted field is never closed`);
  if (records.length > 0) yield records;
}
