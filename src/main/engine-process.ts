// The engine in an Electron utility process: tfjs runs here, never in the main process's event loop.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  BootstrapHelper,
  isBootstrapHelper,
  serveBootstrapJobs,
} from '../engine/parallel-bootstrap';
import { createEngineService } from '../engine/worker/engine-service';
import type { EngineCommand } from '../engine/worker/protocol';

if (!isMainThread && parentPort && isBootstrapHelper(workerData)) {
  // This same file, started as the engine's bootstrap thread.
  serveBootstrapJobs(parentPort);
} else {
  const port = process.parentPort;
  const helper = new BootstrapHelper(new URL(import.meta.url));
  const handle = createEngineService((event) => port.postMessage(event), helper);
  port.on('message', (message: { data: EngineCommand }) => handle(message.data));
}
