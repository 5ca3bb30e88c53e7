import { BootstrapHelper } from '../parallel-bootstrap';
import { createEngineService } from './engine-service';
import type { EngineCommand, EngineEvent } from './protocol';

// The engine in a child process of its own (the command line): what native libraries print on the
// process's stderr (libtensorflow's start-up banner) stays out of the command line's own output.
if (!process.send)
  throw new Error('process-worker.ts must run in a child process with an IPC channel.');
const send = process.send.bind(process);
const helper = new BootstrapHelper(new URL('./thread-entry.mjs', import.meta.url));
const handle = createEngineService((event: EngineEvent) => send(event), helper);
process.on('message', (command: EngineCommand) => handle(command));
process.on('disconnect', () => process.exit(0));
