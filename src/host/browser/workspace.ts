import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InputPurpose, InputRef } from '../../shared/api';
import { InputError } from '../../engine/input-error';

/** Upper bound on one upload, so a runaway drop cannot fill the disk. */
export const MAX_UPLOAD_BYTES = 4 * 2 ** 30;
/** Upper bound on everything the workspace holds at once (finished uploads that are kept, and partial ones). */
export const MAX_WORKSPACE_BYTES = 8 * 2 ** 30;
/** Finished uploads kept even when no task or report uses them (the inputs the page may be showing). */
export const KEEP_RECENT_UPLOADS = 4;

/**
 * A private temporary folder per browser-host launch that dropped files are written into. Every
 * relative name is checked before it becomes a path, so a name like ../../x cannot leave it.
 */
export class Workspace {
  /** Bytes written per upload id (finished or not). */
  readonly #bytes = new Map<string, number>();
  /** Finished upload ids, oldest first. */
  readonly #finished: string[] = [];

  private constructor(
    readonly root: string,
    readonly maxBytes: number,
  ) {}

  static async create(maxBytes = MAX_WORKSPACE_BYTES): Promise<Workspace> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'calibration-audit-workspace-'));
    return new Workspace(root, maxBytes);
  }

  /** Bytes the uploads hold now. */
  get usedBytes(): number {
    let total = 0;
    for (const bytes of this.#bytes.values()) total += bytes;
    return total;
  }

  /**
   * Counts `bytes` more for upload `uploadId`; an InputError naming `name` when the workspace would
   * then hold more than its limit (the caller deletes the partial file).
   */
  take(uploadId: string, name: string, bytes: number): void {
    if (this.usedBytes + bytes > this.maxBytes) {
      throw new InputError(
        name,
        `would take the uploads past ${formatBytes(this.maxBytes)}; close audits you no longer need, or restart the host, and drop it again.`,
      );
    }
    this.#bytes.set(uploadId, (this.#bytes.get(uploadId) ?? 0) + bytes);
  }

  /** Gives back bytes counted for a file that was then deleted (a refused or broken upload). */
  give(uploadId: string, bytes: number): void {
    const left = (this.#bytes.get(uploadId) ?? 0) - bytes;
    if (left > 0) this.#bytes.set(uploadId, left);
    else this.#bytes.delete(uploadId);
  }

  /**
   * Deletes finished uploads that are no longer needed: not among the KEEP_RECENT_UPLOADS newest, and
   * holding none of `inUse` (the inputs of running tasks and of reports the service keeps).
   * Returns the upload ids deleted.
   */
  async prune(inUse: readonly string[]): Promise<string[]> {
    const deletable = this.#finished.slice(0, -KEEP_RECENT_UPLOADS).filter((uploadId) => {
      const folder = this.uploadFolder(uploadId);
      return !inUse.some((p) => p === folder || p.startsWith(folder + path.sep));
    });
    for (const uploadId of deletable) {
      await rm(this.uploadFolder(uploadId), { recursive: true, force: true });
      this.#bytes.delete(uploadId);
      this.#finished.splice(this.#finished.indexOf(uploadId), 1);
    }
    return deletable;
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
    const input = await this.describe(uploadId, purpose);
    if (!this.#finished.includes(uploadId)) this.#finished.push(uploadId);
    return input;
  }

  private async describe(uploadId: string, purpose: InputPurpose): Promise<InputRef> {
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
        if (purpose === 'model' && label.endsWith('upload')) {
          const named = await this.nameLooseModel(folder, entries);
          if (named) return named;
        }
        return {
          path: folder,
          label: label.endsWith('upload') ? `${entries.length} dropped files` : label,
          // The top-level items of a drop of several (see sortDrop); a dropped folder is one item.
          ...(label.endsWith('upload')
            ? { items: entries.map((entry) => path.join(folder, entry.name)).sort() }
            : {}),
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
        : { path: folder, label: label.endsWith('upload') ? only.name : label };
    }
  }

  /**
   * A TF.js model dropped as its loose files (model.json and its shards, maybe a test set beside
   * them, and a metadata.json) has no folder name of its own: the upload folder is named by its id, which the model
   * would otherwise be called by. The files move into a folder named after the one JSON file
   * (`model/`), as if that folder had been dropped; null when the drop is not of that shape.
   */
  private async nameLooseModel(
    folder: string,
    entries: { name: string; isFile(): boolean }[],
  ): Promise<InputRef | null> {
    // Teachable Machine's metadata.json sits beside the model's own JSON file.
    const json = entries.filter(
      (entry) => /\.json$/i.test(entry.name) && entry.name.toLowerCase() !== 'metadata.json',
    );
    if (json.length !== 1 || !entries.every((entry) => entry.isFile())) return null;
    const stem = path.parse(json[0].name).name;
    if (!/^[\w. -]{1,64}$/.test(stem) || entries.some((entry) => entry.name === stem)) return null;
    const named = path.join(folder, stem);
    await mkdir(named);
    await Promise.all(
      entries.map((entry) => rename(path.join(folder, entry.name), path.join(named, entry.name))),
    );
    return {
      path: named,
      label: `${entries.length} dropped files`,
      items: entries.map((entry) => path.join(named, entry.name)).sort(),
    };
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

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${+(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${+(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
