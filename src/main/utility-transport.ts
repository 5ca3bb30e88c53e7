import { utilityProcess } from 'electron';
import type { EngineTransport } from '../engine/worker/engine-client';
import type { EngineEvent } from '../engine/worker/protocol';

/** The engine protocol over an Electron utility process. */
export function utilityProcessTransport(entry: string): EngineTransport {
  const child = utilityProcess.fork(entry, [], { serviceName: 'Calibration Audit engine' });
  let closing = false;
  return {
    send: (command) => child.postMessage(command),
    onEvent: (listener) => child.on('message', (event: EngineEvent) => listener(event)),
    onExit: (listener) =>
      child.on('exit', (code) => {
        if (!closing) listener(`the engine process exited with code ${code}`);
      }),
    close: async () => {
      closing = true;
      child.kill();
    },
  };
}
