import type { HostBridge, PreloadBridge } from '../../../shared/host-bridge';

/** The HostBridge over the preload: a drop is granted by the main process (paths via webUtils). */
export function createElectronApi(preload: PreloadBridge): HostBridge {
  // contextBridge hands the page a plain copy of the preload's object: its calls spread as they are.
  const { grantDroppedFiles, ...calls } = preload;
  return {
    ...calls,
    host: 'electron',
    // Several files dropped together (model.json with its shards) are opened as their folder.
    resolveDrop: (_purpose, drop) => grantDroppedFiles(Array.from(drop.files)),
  };
}
