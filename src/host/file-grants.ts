import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { InputRef } from '../shared/api';
import { printablePath } from '../engine/excerpt';
import { InputError } from '../engine/input-error';

/** Longest path a request may name. */
const MAX_PATH_CHARS = 4096;

/**
 * The files and folders the user gave this session, and the only ones the service opens
 * (capability-style access): Electron's main process grants what a native dialog or a drop returned,
 * the browser host its upload workspace, every host the bundled demo and the inputs its own history
 * recorded. A granted folder covers what is inside it. Every InputRef that arrives through the API is
 * checked here before the engine sees its path; anything else is refused with one line that names the
 * requested path and quotes nothing of any file.
 */
export class FileGrants {
  /** Granted roots: the path as resolved, and its real path (symlinks resolved) when it existed. */
  readonly #roots = new Map<string, string | null>();

  /** Grants `location` (a file, or a folder and everything in it); returns its resolved path. */
  async grant(location: string): Promise<string> {
    const resolved = path.resolve(checkPathText(location));
    this.#roots.set(resolved, await realpath(resolved).catch(() => null));
    return resolved;
  }

  /** Grants what a native dialog returned, as the InputRef the renderer holds. */
  async grantInput(location: string): Promise<InputRef> {
    const resolved = await this.grant(location);
    return { path: resolved, label: path.basename(resolved) };
  }

  /**
   * Grants a drop (Electron: the paths the preload got from webUtils for the dropped files): one item
   * is opened as it is; several files dropped together (model.json with its shards) as their folder.
   */
  async grantDrop(paths: unknown): Promise<InputRef> {
    const given = Array.isArray(paths)
      ? paths.filter((p): p is string => typeof p === 'string' && p.length > 0)
      : [];
    if (given.length === 0) {
      throw new InputError(
        'drop',
        'nothing that is a file or folder on this computer was dropped.',
      );
    }
    if (given.length === 1) return this.grantInput(given[0]);
    const folder = await this.grantInput(path.dirname(path.resolve(given[0])));
    // Several items: each granted as well (they may lie in different folders), and listed so that
    // the window can sort them (a model and a test set dropped together; see sortDrop).
    const items = await Promise.all(given.map((item) => this.grant(item)));
    return { ...folder, items };
  }

  /**
   * The path of an InputRef that arrived through the API, when the user granted it (or a folder
   * holding it); an InputError otherwise. The real path (symlinks resolved) must stay inside a granted
   * root's real path too, so a link inside a granted folder cannot reach out of it.
   */
  async check(ref: unknown, what = 'input'): Promise<string> {
    const location = (ref as Partial<InputRef> | null)?.path;
    if (typeof ref !== 'object' || ref === null || typeof location !== 'string') {
      throw new InputError('request', `the ${what} must be an object with a path.`);
    }
    const resolved = path.resolve(checkPathText(location));
    // Nothing outside the granted roots is touched, not even to see whether it exists.
    const roots = [...this.#roots].filter(([root]) => isInside(root, resolved));
    const real = roots.length > 0 ? await realpath(resolved).catch(() => null) : null;
    for (const [root, realRoot] of roots) {
      if (real === null || isInside(realRoot ?? root, real)) return resolved;
    }
    throw new InputError(
      printablePath(location),
      'was not opened in this window (drop it, or choose it with Open…); refused.',
    );
  }

  /** Whether `location` is granted (for tests and the host's own bookkeeping). */
  async isGranted(location: string): Promise<boolean> {
    return this.check({ path: location }).then(
      () => true,
      () => false,
    );
  }
}

function checkPathText(location: string): string {
  if (location.length === 0 || location.length > MAX_PATH_CHARS || location.includes('\0')) {
    throw new InputError('request', 'names a path that is empty, too long or holds a NUL byte.');
  }
  return location;
}

/** `child` is `root` or lies under it (both resolved). */
export function isInside(root: string, child: string): boolean {
  const relative = path.relative(root, child);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}
