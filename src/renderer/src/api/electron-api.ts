import type { HostBridge, PreloadBridge } from '../../../shared/host-bridge';
import { cloneJson } from '../../../shared/clone-json';
import { serviceCalls, type IpcCall } from '../../../shared/ipc';

/** The HostBridge over the preload: a drop is granted by the main process (paths from the preload). */
export function createElectronApi(preload: PreloadBridge): HostBridge {
  // contextBridge hands the page a plain copy of the preload's object: its calls spread as they are.
  const { grantDroppedFiles, ...calls } = preload;
  const preloadCalls = calls as unknown as Record<
    IpcCall,
    (...args: unknown[]) => Promise<unknown>
  >;
  return {
    ...calls,
    // Arguments are plain JSON (see api.ts), but the page may hold them in Svelte's reactive proxies,
    // which the context bridge cannot clone (Electron 22 refuses them): hand it plain copies.
    ...serviceCalls((method, args) =>
      preloadCalls[method](...args.map((arg) => (arg === undefined ? arg : cloneJson(arg)))),
    ),
    host: 'electron',
    // The preload saw this drop first and kept its paths (see PreloadBridge); several files dropped
    // together (model.json with its shards) are opened as their folder.
    resolveDrop: () => grantDroppedFiles(),
    // Nothing is copied: the main process opens the dropped files where they are.
    onTransfer: () => () => undefined,
    cancelTransfer: () => undefined,
  };
}
