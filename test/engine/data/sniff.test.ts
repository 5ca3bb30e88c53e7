import { describe, expect, it } from 'vitest';
import { magicKind, notTextReason } from '../../../src/engine/data/sniff';

const bytes = (...values: number[]) => Uint8Array.from(values);
const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe('sniffing binary content', () => {
  it('names known formats by their magic numbers', () => {
    expect(magicKind(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0))).toBe('a PNG image');
    expect(magicKind(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe('a JPEG image');
    expect(magicKind(ascii('PK\x03\x04rest'))).toMatch(/ZIP archive/);
    expect(magicKind(ascii('\x89HDF\r\n\x1a\n'))).toMatch(/HDF5/);
    expect(magicKind(ascii('SQLite format 3\0'))).toBe('a SQLite database');
    expect(magicKind(ascii('%PDF-1.7'))).toBe('a PDF document');
    expect(magicKind(ascii('\x93NUMPY'))).toMatch(/NumPy/);
    expect(magicKind(ascii('label,a,b\n1,2,3\n'))).toBeNull();
    expect(magicKind(ascii('{"modelTopology": {}}'))).toBeNull();
  });

  it('refuses NUL bytes (binary, or UTF-16 text) and lets text through', () => {
    expect(notTextReason(new Uint8Array(4096))).toBe(
      'holds binary data (a NUL byte at byte 0), or text saved as UTF-16',
    );
    expect(notTextReason(ascii('l\0a\0b\0'))).toMatch(/NUL byte at byte 1/);
    expect(notTextReason(ascii('%PDF-1.4'))).toBe('is a PDF document');
    expect(notTextReason(ascii('label,x\nbenign,1\n'))).toBeNull();
    expect(notTextReason(Buffer.from('étiquette,x\n', 'utf8'))).toBeNull();
    expect(notTextReason(new Uint8Array(0))).toBeNull();
  });
});
