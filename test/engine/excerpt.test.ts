import { describe, expect, it } from 'vitest';
import { excerpt, printablePath } from '../../src/engine/excerpt';

describe('excerpt', () => {
  it('quotes a short text as it is', () => {
    expect(excerpt('benign')).toBe('"benign"');
  });

  it('cuts long text and escapes what would break the line or the quotes', () => {
    expect(excerpt('x'.repeat(100), 10)).toBe(`"${'x'.repeat(10)}…"`);
    expect(excerpt('a\nb\u0000c"d\\e\u202ef\u2028')).toBe(
      '"a\\u000ab\\u0000c\\"d\\\\e\\u202ef\\u2028"',
    );
    expect(excerpt('\u{1F600}'.repeat(3), 2)).toBe('"\u{1F600}\u{1F600}…"');
  });

  it('prints a path on one line', () => {
    expect(printablePath('/a/b\r\nc')).toBe('/a/b\\u000d\\u000ac');
    expect(printablePath('/'.repeat(400), 5)).toBe('/////…');
  });
});
