import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InputPurpose, InputRef } from '../../shared/api';
import { InputError } from '../../engine/input-error';

/** Upper bound on one upload, so a runaway drop cannot fill the disk. */
export const MAX_UPLOAD_BYTES = 4 * 2 ** 30;

/**
 * A private temporary folder per browser-host launch that dropped files are written into. Every
 * relative name is checked before it becomes a path, so a name like ../../x cannot leave it.
 */
export class Workspace {
  private constructor(readonly root: string) {}

  static async create(): Promise<Workspace> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'calibration-audit-workspace-'));
    return new Workspace(root);
  }

  /** The file path for `relativePath` inside upload `uploadId`, with its folders created. */
  async fileFor(uploadId: string, relativePath: string): Promise<string> {
    const folder = this.uploadFolder(uploadId);
    const parts = relativePath.split('/');
    const unsafe =
      relativePath.length === 0 ||
      relativePath.length > 1024 ||
      relativePath.includes('\0') ||
      relativePath.includes('\\') ||
      relativePath.startsWith('/') ||
      parts.some((part) => part === '' || part === '.' || part === '..');
    if (unsafe)
      throw new InputError(
        relativePath,
        'is not a safe file name inside the dropped folder; refused.',
      );
    const file = path.join(folder, ...parts);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    return file;
  }

  /**
   * What a finished upload is opened as: the dropped folder (descending through folders that hold only
   * one folder), a test set's lone file (a CSV, say), or the upload itself when several things were dropped.
   */
  async finish(uploadId: string, purpose: InputPurpose): Promise<InputRef> {
    let folder = this.uploadFolder(uploadId);
    let label = `${purpose === 'model' ? 'model' : 'test set'} upload`;
    for (;;) {
      const entries = (await readdir(folder, { withFileTypes: true }).catch(() => [])).filter(
        (entry) => !entry.name.startsWith('.'),
      );
      if (entries.length === 0) {
        throw new InputError(
          label,
          `nothing was received for the ${purpose === 'model' ? 'model' : 'test set'}.`,
        );
      }
      if (entries.length > 1) {
        return {
          path: folder,
          label: label.endsWith('upload') ? `${entries.length} dropped files` : label,
        };
      }
      const only = entries[0];
      if (only.isDirectory()) {
        folder = path.join(folder, only.name);
        label = only.name;
        continue;
      }
      // A lone model.json is opened as its folder, so that a missing shard is named in the message.
      return purpose === 'testSet'
        ? { path: path.join(folder, only.name), label: only.name }
        : { path: folder, label };
    }
  }

  /** Rewrites workspace paths in a message as the names the user dropped (`model/model.json`). */
  toUserPaths(text: string): string {
    const prefix = `${this.root}${path.sep}`;
    return text.replace(
      new RegExp(`${escapeRegExp(prefix)}[A-Za-z0-9_-]+${escapeRegExp(path.sep)}?`, 'g'),
      '',
    );
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  private uploadFolder(uploadId: string): string {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(uploadId))
      throw new InputError('drop', 'has an invalid upload id.');
    return path.join(this.root, uploadId);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
