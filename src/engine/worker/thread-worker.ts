import { parentPort } from 'node:worker_threads';
import { createEngineService } from './engine-service';
import type { EngineCommand } from './protocol';

if (!parentPort) throw new Error('thread-worker.ts must run in a worker thread.');
const port = parentPort;
const handle = createEngineService((event) => port.postMessage(event));
port.on('message', (command: EngineCommand) => handle(command));
