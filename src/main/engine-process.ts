// The engine in an Electron utility process: tfjs runs here, never in the main process's event loop.
import { createEngineService } from '../engine/worker/engine-service';
import type { EngineCommand } from '../engine/worker/protocol';

const port = process.parentPort;
const handle = createEngineService((event) => port.postMessage(event));
port.on('message', (message: { data: EngineCommand }) => handle(message.data));
