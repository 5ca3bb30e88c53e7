/**
 * Tells binary files from text by their first bytes, so that a file named .csv or .json that cannot
 * be one is refused at once, before any parsing (and whatever its size): known magic numbers first,
 * then any NUL byte, which no UTF-8 CSV or JSON holds.
 */

/** How many bytes the sniffers look at. */
export const SNIFF_BYTES = 4096;

const MAGIC: readonly { bytes: readonly number[]; offset?: number; what: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { bytes: [0x42, 0x4d], what: 'a BMP image' },
  { bytes: [0x52, 0x49, 0x46, 0x46], what: 'a RIFF file (WebP, WAV or AVI)' },
  { bytes: [0x49, 0x49, 0x2a, 0x00], what: 'a TIFF image' },
  { bytes: [0x4d, 0x4d, 0x00, 0x2a], what: 'a TIFF image' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (a .keras file, say)' },
  { bytes: [0x50, 0x4b, 0x05, 0x06], what: 'an empty ZIP archive' },
  { bytes: [0x1f, 0x8b], what: 'gzip-compressed data' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' },
  {
    bytes: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a],
    what: 'an HDF5 file (a Keras .h5, say)',
  },
  { bytes: Array.from('SQLite format 3\0', (c) => c.charCodeAt(0)), what: 'a SQLite database' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'an executable (ELF)' },
  { bytes: [0x4d, 0x5a], what: 'a Windows executable' },
  { bytes: [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], what: 'a NumPy array (.npy)' },
  { bytes: [0x50, 0x41, 0x52, 0x31], what: 'a Parquet file' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd-compressed data' },
  { bytes: [0x42, 0x5a, 0x68], what: 'bzip2-compressed data' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'xz-compressed data' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
];

/** What kind of binary file `head` (the first bytes) starts, by its magic number; null when none. */
export function magicKind(head: Uint8Array): string | null {
  for (const { bytes, offset = 0, what } of MAGIC) {
    if (head.length >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b)) {
      return what;
    }
  }
  return null;
}

/**
 * Why `head` cannot start a UTF-8 text file (CSV, JSON): a known binary format, or a NUL byte (binary
 * data, or text saved as UTF-16); null when it may be text.
 */
export function notTextReason(head: Uint8Array): string | null {
  const kind = magicKind(head);
  if (kind) return `is ${kind}`;
  const nul = head.indexOf(0);
  if (nul >= 0) {
    return `holds binary data (a NUL byte at byte ${nul}), or text saved as UTF-16`;
  }
  return null;
}
