import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, isAbsolute, sep } from 'node:path';
import { compareStrings } from './class-mapping.js';
import type { SkippedFile } from './types.js';

export interface FolderScan {
  /** Subfolders that hold at least one file, sorted. */
  classFolders: string[];
  /** Every file in them (recursively), as 'class/sub/name' with '/', sorted. */
  files: { relPath: string; classFolder: string }[];
  /** Files lying directly in the root folder, which belong to no class. */
  looseFiles: number;
  /** Links that were not followed, each with why (outside the folder, a folder, broken), sorted. */
  skipped: SkippedFile[];
}

/** Dot files, and the folder macOS adds to zip archives. */
export function isHidden(name: string): boolean {
  return name.startsWith('.') || name === '__MACOSX';
}

/** `child` is `root` or lies under it (both real paths). */
export function isInsideFolder(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

type Kind = 'file' | 'dir' | 'other' | { skipped: string };

/**
 * What an entry is. A link to a file counts when the file (its real path) is inside the test-set
 * folder, as `../` names would have to be; a link leading out of it, a link to a folder (which could
 * loop) and a broken link are skipped, each with a notice.
 */
async function kindOf(dir: string, entry: Dirent, realRoot: string): Promise<Kind> {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  if (!entry.isSymbolicLink()) return 'other';
  const link = join(dir, entry.name);
  const target = await stat(link).catch(() => null);
  if (!target) return { skipped: 'is a broken link; skipped' };
  if (target.isDirectory())
    return { skipped: 'is a link to a folder, which is not followed; skipped' };
  if (!target.isFile()) return 'other';
  const real = await realpath(link).catch(() => null);
  if (real === null || !isInsideFolder(realRoot, real)) {
    return { skipped: 'is a link to a file outside the test-set folder; skipped' };
  }
  return 'file';
}

async function listFiles(
  dir: string,
  prefix: string,
  out: string[],
  skipped: SkippedFile[],
  realRoot: string,
  signal?: AbortSignal,
) {
  signal?.throwIfAborted();
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const kind = await kindOf(dir, entry, realRoot);
    const relPath = `${prefix}/${entry.name}`;
    if (kind === 'file') out.push(relPath);
    else if (kind === 'dir')
      await listFiles(join(dir, entry.name), relPath, out, skipped, realRoot, signal);
    else if (typeof kind === 'object') skipped.push({ file: relPath, reason: kind.skipped });
  }
}

/** Lists an image folder: one subfolder per class. Sorted, so independent of listing order. */
export async function scanImageFolder(root: string, signal?: AbortSignal): Promise<FolderScan> {
  const realRoot = await realpath(root);
  const entries = await readdir(root, { withFileTypes: true });
  const classFolders: string[] = [];
  const files: FolderScan['files'] = [];
  const skipped: SkippedFile[] = [];
  let looseFiles = 0;
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const kind = await kindOf(root, entry, realRoot);
    if (kind === 'file') looseFiles++;
    if (typeof kind === 'object') skipped.push({ file: entry.name, reason: kind.skipped });
    if (kind !== 'dir') continue;
    const found: string[] = [];
    await listFiles(join(root, entry.name), entry.name, found, skipped, realRoot, signal);
    if (found.length === 0) continue;
    classFolders.push(entry.name);
    for (const relPath of found) files.push({ relPath, classFolder: entry.name });
  }
  classFolders.sort(compareStrings);
  files.sort((a, b) => compareStrings(a.relPath, b.relPath));
  skipped.sort((a, b) => compareStrings(a.file, b.file));
  return { classFolders, files, looseFiles, skipped };
}
