/**
 * NumPy's `.npy` format (version 1.0, 2.0 and 3.0), decoded as it streams in: the magic string, a
 * little-endian header length, a Python-literal header dict (`descr`, `fortran_order`, `shape`), then the
 * raw elements. Only what a score file needs: numeric dtypes (bool, int 8-64, uint 8-64, float 16/32/64),
 * either byte order, C or Fortran order. Every element is converted to float32 or int32 as it arrives,
 * so a float64 file never exists in memory as float64.
 * Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyDtype {
  /** b bool, i signed integer, u unsigned integer, f float. */
  kind: 'b' | 'i' | 'u' | 'f';
  /** Bytes per element. */
  size: number;
  littleEndian: boolean;
  /** As written in the file, e.g. `<f4`. */
  descr: string;
}

export interface NpyHeader {
  dtype: NpyDtype;
  fortranOrder: boolean;
  shape: number[];
  /** Bytes before the first element. */
  dataOffset: number;
}

export type NpyTarget = 'float32' | 'int32';

export interface NpyArray<T extends Float32Array | Int32Array = Float32Array | Int32Array> {
  header: NpyHeader;
  /** Row-major (C order) elements, whatever the file's order. */
  data: T;
}

/** A problem with the bytes of an `.npy` file or entry, as one sentence. */
export class NpyFormatError extends Error {
  override readonly name = 'NpyFormatError';
}

/**
 * Parses the header from the first bytes of an `.npy` stream. Returns null when more bytes are needed.
 */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader | null {
  const prefix = Math.min(bytes.length, MAGIC.length);
  for (let i = 0; i < prefix; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new NpyFormatError('is not a NumPy .npy array (it does not start with \\x93NUMPY).');
    }
  }
  if (bytes.length < 10) return null;
  const major = bytes[6];
  if (major < 1 || major > 3) {
    throw new NpyFormatError(
      `is a NumPy .npy file of format version ${major}, which is not supported.`,
    );
  }
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes;
  if (headerLength > 1 << 20) throw new NpyFormatError('has a .npy header longer than 1 MiB.');
  if (bytes.length < start + headerLength) return null;
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + headerLength),
  );
  return { ...parseHeaderDict(text), dataOffset: start + headerLength };
}

function parseHeaderDict(text: string): Omit<NpyHeader, 'dataOffset'> {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  if (!descr) {
    throw new NpyFormatError(
      /['"]descr['"]\s*:\s*\[/.test(text)
        ? 'holds a structured (record) array; save each field as its own array (np.savez(labels=..., probs=...)).'
        : 'has a .npy header without a readable dtype (descr).',
    );
  }
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!fortran) throw new NpyFormatError('has a .npy header without fortran_order.');
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shape) throw new NpyFormatError('has a .npy header without a shape.');
  const dims = shape[1]
    .split(',')
    .map((part) => part.trim().replace(/L$/, ''))
    .filter((part) => part !== '')
    .map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new NpyFormatError(`has a .npy header with an invalid shape (${shape[1].trim()}).`);
  }
  return { dtype: parseDtype(descr[1]), fortranOrder: fortran[1] === 'True', shape: dims };
}

function parseDtype(descr: string): NpyDtype {
  const match = /^([<>|=])([biuf])(\d+)$/.exec(descr);
  const supported = match && ({ b: [1], i: [1, 2, 4, 8], u: [1, 2, 4, 8], f: [2, 4, 8] } as const);
  if (
    !match ||
    !supported ||
    !(supported[match[2] as 'b'] as readonly number[]).includes(+match[3])
  ) {
    throw new NpyFormatError(
      `holds elements of dtype '${descr}'; only bool, integer and float (16, 32 or 64 bit) arrays are read.`,
    );
  }
  return {
    kind: match[2] as NpyDtype['kind'],
    size: Number(match[3]),
    littleEndian: match[1] !== '>',
    descr,
  };
}

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes one `.npy` stream pushed in chunks of any size into a float32 or int32 array (C order).
 * Integers that do not fit int32, and floats given where integers are expected, are refused.
 */
export class NpyDecoder<T extends NpyTarget> {
  private head: Uint8Array = new Uint8Array(0);
  private header: NpyHeader | null = null;
  private out: Float32Array | Int32Array | null = null;
  private outBytes: Uint8Array | null = null;
  private count = 0;
  /** Elements decoded so far. */
  private done = 0;
  private carry = new Uint8Array(16);
  private carried = 0;

  constructor(
    private readonly target: T,
    /** Called once with the header, before any element; may throw to refuse the array. */
    private readonly onHeader: (header: NpyHeader) => void = () => {},
  ) {}

  push(chunk: Uint8Array): void {
    if (!this.header) {
      const joined = new Uint8Array(this.head.length + chunk.length);
      joined.set(this.head);
      joined.set(chunk, this.head.length);
      const header = parseNpyHeader(joined);
      if (!header) {
        this.head = joined;
        return;
      }
      this.start(header);
      this.head = new Uint8Array(0);
      chunk = joined.subarray(header.dataOffset);
    }
    this.decode(chunk);
  }

  /** The whole array, once every byte has been pushed. */
  finish(): NpyArray<T extends 'float32' ? Float32Array : Int32Array> {
    if (!this.header || !this.out) throw new NpyFormatError('ends inside its .npy header.');
    if (this.done !== this.count || this.carried !== 0) {
      throw new NpyFormatError(
        `ends after ${this.done} of the ${this.count} elements its .npy header declares.`,
      );
    }
    return {
      header: this.header,
      data: this.out as T extends 'float32' ? Float32Array : Int32Array,
    };
  }

  private start(header: NpyHeader): void {
    this.onHeader(header);
    const { dtype } = header;
    if (this.target === 'float32' && dtype.kind === 'b') {
      throw new NpyFormatError('holds booleans where scores (floats) are expected.');
    }
    this.header = header;
    this.count = header.shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(this.count) || this.count > 2 ** 31 - 1) {
      throw new NpyFormatError(`declares ${header.shape.join('x')} elements, too many to read.`);
    }
    this.out =
      this.target === 'float32' ? new Float32Array(this.count) : new Int32Array(this.count);
    this.outBytes = new Uint8Array(this.out.buffer);
  }

  private decode(chunk: Uint8Array): void {
    const header = this.header!;
    const size = header.dtype.size;
    if (this.carried > 0) {
      const need = size - this.carried;
      const take = Math.min(need, chunk.length);
      this.carry.set(chunk.subarray(0, take), this.carried);
      this.carried += take;
      chunk = chunk.subarray(take);
      if (this.carried < size) return;
      this.convert(this.carry.subarray(0, size));
      this.carried = 0;
    }
    const whole = chunk.length - (chunk.length % size);
    if (whole > 0) this.convert(chunk.subarray(0, whole));
    const rest = chunk.subarray(whole);
    this.carry.set(rest);
    this.carried = rest.length;
  }

  /** Converts whole elements. */
  private convert(bytes: Uint8Array): void {
    const header = this.header!;
    const { dtype } = header;
    const n = bytes.length / dtype.size;
    if (this.done + n > this.count) {
      throw new NpyFormatError(
        `holds more elements than its .npy header declares (${this.count}).`,
      );
    }
    const sameType =
      (this.target === 'float32' && dtype.kind === 'f' && dtype.size === 4) ||
      (this.target === 'int32' && dtype.kind === 'i' && dtype.size === 4);
    const plainCopy = sameType && dtype.littleEndian === hostLittleEndian && !this.isTransposed();
    if (plainCopy) {
      this.outBytes!.set(bytes, this.done * 4);
      this.done += n;
      return;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const le = dtype.littleEndian;
    const out = this.out!;
    const isInt = this.target === 'int32';
    for (let e = 0; e < n; e++) {
      const value = readElement(view, e * dtype.size, dtype, le);
      const index = this.outIndex(this.done + e);
      if (isInt) {
        if (!Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1) {
          throw new NpyFormatError(
            `holds ${Number.isNaN(value) ? 'NaN' : value} at index ${this.done + e}, where an integer class index is expected.`,
          );
        }
      }
      out[index] = value;
    }
    this.done += n;
  }

  private isTransposed(): boolean {
    const header = this.header!;
    return header.fortranOrder && header.shape.filter((d) => d > 1).length > 1;
  }

  /** Fortran order: the file's element e of an (n, k) array is (e % n, floor(e / n)). */
  private outIndex(e: number): number {
    if (!this.isTransposed()) return e;
    const shape = this.header!.shape;
    if (shape.length !== 2) {
      throw new NpyFormatError('is a Fortran-ordered array of more than two dimensions.');
    }
    const [rows, cols] = shape;
    return (e % rows) * cols + Math.floor(e / rows);
  }
}

function readElement(view: DataView, at: number, dtype: NpyDtype, le: boolean): number {
  switch (dtype.kind) {
    case 'b':
      return view.getUint8(at) ? 1 : 0;
    case 'f':
      return dtype.size === 4
        ? view.getFloat32(at, le)
        : dtype.size === 8
          ? view.getFloat64(at, le)
          : float16(view.getUint16(at, le));
    case 'i':
      return dtype.size === 1
        ? view.getInt8(at)
        : dtype.size === 2
          ? view.getInt16(at, le)
          : dtype.size === 4
            ? view.getInt32(at, le)
            : int64(view, at, le, true);
    case 'u':
      return dtype.size === 1
        ? view.getUint8(at)
        : dtype.size === 2
          ? view.getUint16(at, le)
          : dtype.size === 4
            ? view.getUint32(at, le)
            : int64(view, at, le, false);
  }
}

/** A 64-bit integer as a number; exact within ±2^53 (larger values come out inexact and are refused later). */
function int64(view: DataView, at: number, le: boolean, signed: boolean): number {
  const low = view.getUint32(le ? at : at + 4, le);
  const high = signed ? view.getInt32(le ? at + 4 : at, le) : view.getUint32(le ? at + 4 : at, le);
  return high * 2 ** 32 + low;
}

function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
