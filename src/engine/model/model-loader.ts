import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelFormat } from '../../shared/model-formats';
import { InputError } from '../input-error';
import type { LoadedModel } from './loaded-model';

/** Bytes read from the start of a file for sniffing. */
const HEAD_BYTES = 4096;

/**
 * What a loader may look at to decide whether a location is its format, read once for all
 * loaders (as Netron's ModelContext): the path, whether it is a folder, and the first bytes of the
 * file (or the folder's entries).
 */
export interface ModelLocation {
  /** Absolute path. */
  path: string;
  /** As the user gave it, for messages. */
  given: string;
  isDirectory: boolean;
  /** A file's first bytes (up to 4 KiB); empty for a folder. */
  head: Uint8Array;
  size: number;
  /** A folder's entry names (sorted); empty for a file. */
  entries: string[];
}

/** A loader's claim on a location, passed back to its own `open`. */
export interface ModelMatch {
  format: ModelFormat;
  /** The file the model opens from (a folder resolves to its model file). */
  file: string;
}

/**
 * One model format (Netron's ModelFactory): `match` sniffs the content without loading anything
 * heavy and returns null when the location is not this format; `open` loads and checks it, and
 * throws an InputError naming the file and the problem.
 */
export interface ModelLoader {
  /** A short name for messages, e.g. "TF.js". */
  name: string;
  match(location: ModelLocation): Promise<ModelMatch | null>;
  open(location: ModelLocation, match: ModelMatch, options: ModelOpenOptions): Promise<LoadedModel>;
}

export interface ModelOpenOptions {
  /** Class names given by the user (`--classes a,b,c`); they win over files beside the model. */
  classNames?: string[] | null;
}

/** Reads what every loader's `match` looks at. */
export async function probeLocation(given: string): Promise<ModelLocation> {
  const target = path.resolve(given);
  const info = await stat(target).catch(() => null);
  if (!info) throw new InputError(given, 'does not exist.');
  if (info.isDirectory()) {
    const entries = (await readdir(target).catch(() => [] as string[])).sort();
    return { path: target, given, isDirectory: true, head: new Uint8Array(0), size: 0, entries };
  }
  const handle = await open(target, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(given, `cannot be read (${error.code ?? error.message}).`);
  });
  try {
    const head = new Uint8Array(Math.min(HEAD_BYTES, info.size));
    await handle.read(head, 0, head.length, 0);
    return { path: target, given, isDirectory: false, head, size: info.size, entries: [] };
  } finally {
    await handle.close();
  }
}

/** Whether `bytes` starts with `prefix` (a string of byte values or an array). */
export function startsWith(bytes: Uint8Array, prefix: string | number[], offset = 0): boolean {
  const values = typeof prefix === 'string' ? Array.from(prefix, (c) => c.charCodeAt(0)) : prefix;
  if (bytes.length < offset + values.length) return false;
  return values.every((value, i) => bytes[offset + i] === value);
}
