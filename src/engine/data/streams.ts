import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../input-error.js';

export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The file's bytes as a stream, gunzipped when the content (not the name) is gzip. */
export async function openByteStream(path: string): Promise<Readable> {
  const gzip = await isGzipFile(path);
  const file = createReadStream(path);
  if (!gzip) return file;
  // pipeline destroys both streams on any error and hands the error to the gunzip stream's readers.
  return pipeline(file, createGunzip(), () => {});
}

/** Turns stream errors (corrupt gzip, I/O) into an InputError naming the file. */
export function readError(path: string, error: unknown): unknown {
  if (error instanceof InputError || (error as Error)?.name === 'AbortError') return error;
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'Z_BUF_ERROR' || e?.code === 'Z_DATA_ERROR' || e?.errno === -5) {
    return new InputError(path, `is corrupt or truncated gzip data (${e.message})`);
  }
  return new InputError(path, `cannot be read (${e?.code ?? e?.message ?? String(error)})`);
}

/** All the (decompressed) bytes of a file, chunk by chunk. */
export async function* fileChunks(path: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of await openByteStream(path)) {
      signal?.throwIfAborted();
      yield chunk as Buffer;
    }
  } catch (error) {
    throw readError(path, error);
  }
}

/** Reads exact byte counts from a stream, holding at most one request plus one chunk. */
export class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;

  constructor(
    private readonly path: string,
    stream: Readable,
  ) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  static async open(path: string): Promise<ByteReader> {
    try {
      return new ByteReader(path, await openByteStream(path));
    } catch (error) {
      throw readError(path, error);
    }
  }

  private async pull(): Promise<void> {
    try {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
      } else {
        this.chunks.push(next.value);
        this.buffered += next.value.length;
      }
    } catch (error) {
      throw readError(this.path, error);
    }
  }

  /** Exactly n bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n && !this.ended) await this.pull();
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(out.length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Discards up to n bytes; returns how many there were. */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      if (this.buffered === 0) {
        if (this.ended) break;
        await this.pull();
        continue;
      }
      const chunk = this.chunks[0];
      const take = Math.min(n - skipped, chunk.length);
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
      this.buffered -= take;
      skipped += take;
    }
    return skipped;
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}
