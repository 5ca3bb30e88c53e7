import type { HostBridge, PreloadBridge } from '../../../shared/host-bridge';
import { ApiFailure } from '../../../shared/api-error';
import { serviceCalls, type IpcCall } from '../../../shared/ipc';

/** The HostBridge over the preload: drops become paths in the preload (webUtils, or File.path). */
export function createElectronApi(preload: PreloadBridge): HostBridge {
  // contextBridge hands the page a plain copy of the preload's object: its calls spread as they are.
  const { droppedPaths, ...calls } = preload;
  const preloadCalls = calls as unknown as Record<
    IpcCall,
    (...args: unknown[]) => Promise<unknown>
  >;
  return {
    ...calls,
    // Arguments are plain JSON (see api.ts), but the page may hold them in Svelte's reactive proxies,
    // which the context bridge cannot clone (Electron 22 refuses them): hand it plain copies.
    ...serviceCalls((method, args) => preloadCalls[method](...plainCopies(args))),
    host: 'electron',
    async resolveDrop() {
      // The preload saw this drop first and kept its paths (see PreloadBridge).
      const paths = droppedPaths().filter((p) => p.length > 0);
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

function plainCopies(args: unknown[]): unknown[] {
  return args.map((arg) => (arg === undefined ? arg : JSON.parse(JSON.stringify(arg))));
}
