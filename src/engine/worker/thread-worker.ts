import { parentPort, workerData } from 'node:worker_threads';
import { BootstrapHelper, isBootstrapHelper, serveBootstrapJobs } from '../parallel-bootstrap';
import type { EngineCommand } from './protocol';

if (!parentPort) throw new Error('thread-worker.ts must run in a worker thread.');
const port = parentPort;
if (isBootstrapHelper(workerData)) {
  serveBootstrapJobs(port);
} else {
  // The helper runs this same entry with a role, so it needs no file of its own.
  const helper = new BootstrapHelper(new URL('./thread-entry.mjs', import.meta.url));
  // Imported only here: the bootstrap helper runs this entry too and needs none of the engine (tfjs,
  // model loaders), which would cost it about 100 MB.
  const { createEngineService } = await import('./engine-service');
  const handle = createEngineService((event) => port.postMessage(event), helper);
  port.on('message', (command: EngineCommand) => handle(command));
}
