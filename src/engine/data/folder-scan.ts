import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compareStrings } from './class-mapping.js';

export interface FolderScan {
  /** Subfolders that hold at least one file, sorted. */
  classFolders: string[];
  /** Every file in them (recursively), as 'class/sub/name' with '/', sorted. */
  files: { relPath: string; classFolder: string }[];
  /** Files lying directly in the root folder, which belong to no class. */
  looseFiles: number;
}

/** Dot files, and the folder macOS adds to zip archives. */
export function isHidden(name: string): boolean {
  return name.startsWith('.') || name === '__MACOSX';
}

async function kindOf(dir: string, entry: Dirent): Promise<'file' | 'dir' | 'other'> {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  if (entry.isSymbolicLink()) {
    // Linked files count; linked folders are not followed (they could loop).
    const target = await stat(join(dir, entry.name)).catch(() => null);
    if (target?.isFile()) return 'file';
  }
  return 'other';
}

async function listFiles(dir: string, prefix: string, out: string[], signal?: AbortSignal) {
  signal?.throwIfAborted();
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const kind = await kindOf(dir, entry);
    if (kind === 'file') out.push(`${prefix}/${entry.name}`);
    else if (kind === 'dir')
      await listFiles(join(dir, entry.name), `${prefix}/${entry.name}`, out, signal);
  }
}

/** Lists an image folder: one subfolder per class. Sorted, so independent of listing order. */
export async function scanImageFolder(root: string, signal?: AbortSignal): Promise<FolderScan> {
  const entries = await readdir(root, { withFileTypes: true });
  const classFolders: string[] = [];
  const files: FolderScan['files'] = [];
  let looseFiles = 0;
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const kind = await kindOf(root, entry);
    if (kind === 'file') looseFiles++;
    if (kind !== 'dir') continue;
    const found: string[] = [];
    await listFiles(join(root, entry.name), entry.name, found, signal);
    if (found.length === 0) continue;
    classFolders.push(entry.name);
    for (const relPath of found) files.push({ relPath, classFolder: entry.name });
  }
  classFolders.sort(compareStrings);
  files.sort((a, b) => compareStrings(a.relPath, b.relPath));
  return { classFolders, files, looseFiles };
}
