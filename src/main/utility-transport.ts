import { utilityProcess, type UtilityProcess } from 'electron';
import type { EngineTransport } from '../engine/worker/engine-client';
import type { EngineCommand, EngineEvent } from '../engine/worker/protocol';

/**
 * The engine protocol over an Electron utility process. If the process dies (a crash, or killed from
 * outside), the calls it was running fail through onExit and the next command starts a new one, so one
 * lost engine never leaves the app without an engine.
 */
export function utilityProcessTransport(entry: string): EngineTransport {
  const eventListeners: ((event: EngineEvent) => void)[] = [];
  const exitListeners: ((reason: string) => void)[] = [];
  let child: UtilityProcess | null = null;
  let closing = false;

  const start = (): UtilityProcess => {
    const started = utilityProcess.fork(entry, [], {
      serviceName: 'Calibration Audit engine',
      // Fewer malloc arenas: decoding photos on libuv's threads otherwise keeps far more memory.
      env: { ...process.env, MALLOC_ARENA_MAX: '2' },
    });
    started.on('message', (event: EngineEvent) => {
      for (const listener of eventListeners) listener(event);
    });
    started.on('exit', (code) => {
      if (child === started) child = null;
      if (closing) return;
      for (const listener of exitListeners)
        listener(`the engine process exited with code ${code}; the next run starts a new one`);
    });
    return started;
  };

  child = start();
  return {
    send: (command: EngineCommand) => {
      child ??= start();
      child.postMessage(command);
    },
    onEvent: (listener) => eventListeners.push(listener),
    onExit: (listener) => exitListeners.push(listener),
    close: async () => {
      closing = true;
      child?.kill();
      child = null;
    },
  };
}
