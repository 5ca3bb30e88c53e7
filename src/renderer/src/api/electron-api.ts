import type { HostBridge, PreloadBridge } from '../../../shared/host-bridge';
import { ApiFailure } from '../../../shared/api-error';

/** The HostBridge over the preload: drops become paths through webUtils (in the preload). */
export function createElectronApi(preload: PreloadBridge): HostBridge {
  // contextBridge hands the page a plain copy of the preload's object: its calls spread as they are.
  const { pathsForFiles, ...calls } = preload;
  return {
    ...calls,
    host: 'electron',
    async resolveDrop(_purpose, drop) {
      const paths = pathsForFiles(Array.from(drop.files)).filter((p) => p.length > 0);
      if (paths.length === 0) {
        throw new ApiFailure({
          kind: 'input',
          file: 'drop',
          message: 'drop: nothing that is a file or folder on this computer was dropped.',
        });
      }
      // Several files dropped together (model.json with its shards) are opened as their folder.
      const path = paths.length === 1 ? paths[0] : parentOf(paths[0]);
      return { path, label: baseName(path) };
    },
  };
}

function parentOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut > 0 ? path.slice(0, cut) : path;
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}
