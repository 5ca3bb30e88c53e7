import { fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { isNativeBannerLine } from '../native-banner';
import { CancelledError } from '../inference';
import { InputError } from '../input-error';
import type {
  EngineCalls,
  EngineCommand,
  EngineEvent,
  EngineFailure,
  EngineMethod,
  EngineProgress,
  EngineProgressOf,
} from './protocol';

/** How a host reaches its engine process: a worker thread here, an Electron utility process in the app. */
export interface EngineTransport {
  send(command: EngineCommand): void;
  onEvent(listener: (event: EngineEvent) => void): void;
  /** Called once if the engine process dies. */
  onExit(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  onProgress?: (progress: EngineProgress) => void;
}

export interface CallOptions<M extends EngineMethod = EngineMethod> {
  onProgress?: (progress: EngineProgressOf<M>) => void;
  signal?: AbortSignal;
}

/** The host side of the engine protocol: typed calls, progress, cancellation. */
export class EngineClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly transport: EngineTransport = workerThreadTransport()) {
    transport.onEvent((event) => this.receive(event));
    transport.onExit((reason) => this.failAll(new Error(`The engine stopped: ${reason}.`)));
  }

  call<M extends EngineMethod>(
    method: M,
    argument: EngineCalls[M][0],
    options: CallOptions<M> = {},
  ): Promise<EngineCalls[M][1]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) return reject(new CancelledError());
      this.pending.set(id, {
        resolve: resolve as (result: unknown) => void,
        reject,
        onProgress: options.onProgress as ((progress: EngineProgress) => void) | undefined,
      });
      options.signal?.addEventListener('abort', () => this.transport.send({ type: 'cancel', id }), {
        once: true,
      });
      this.transport.send({ type: 'call', id, method, argument } as EngineCommand);
    });
  }

  async close(): Promise<void> {
    this.pending.clear();
    await this.transport.close();
  }

  private receive(event: EngineEvent): void {
    const pending = this.pending.get(event.id);
    if (!pending) return;
    if (event.type === 'progress') {
      pending.onProgress?.(event.progress);
      return;
    }
    this.pending.delete(event.id);
    if (event.type === 'result') pending.resolve(event.result);
    else pending.reject(fromFailure(event.error));
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/** Runs the engine in a worker thread of this process (command line, browser host, tests). */
export function workerThreadTransport(
  entry: URL = new URL('./thread-entry.mjs', import.meta.url),
): EngineTransport {
  // sharp (libvips) must be loaded by the main thread before a worker thread loads it, so that its
  // shared libraries outlive the worker on glibc Linux (sharp's documentation, "Worker threads").
  createRequire(import.meta.url)('sharp');
  const worker = new Worker(entry);
  let closing = false;
  return {
    send: (command) => worker.postMessage(command),
    onEvent: (listener) => worker.on('message', listener),
    onExit: (listener) => {
      worker.on('error', (error) => listener(error.message));
      worker.on('exit', (code) => {
        if (!closing) listener(`exit code ${code}`);
      });
    },
    close: async () => {
      closing = true;
      await worker.terminate();
    },
  };
}

/**
 * Runs the engine in a child process (the command line): its stderr is passed on without
 * libtensorflow's start-up banner, so the command line's output is its own (one line for bad input).
 */
export function childProcessTransport(
  entry: URL = new URL('./process-entry.mjs', import.meta.url),
): EngineTransport {
  const child = fork(entry, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    execArgv: [],
  });
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (!isNativeBannerLine(line)) process.stderr.write(`${line}\n`);
    });
  }
  let closing = false;
  return {
    send: (command) => child.send(command),
    onEvent: (listener) => child.on('message', (event: EngineEvent) => listener(event)),
    onExit: (listener) => {
      child.on('error', (error) => listener(error.message));
      child.on('exit', (code, signal) => {
        if (!closing) listener(signal ? `signal ${signal}` : `exit code ${code}`);
      });
    },
    close: async () => {
      closing = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}

/** Rebuilds the engine's error on the host side, so hosts can tell bad input from a bug. */
export function fromFailure(failure: EngineFailure): Error {
  if (failure.kind === 'input') {
    const prefix = `${failure.file}: `;
    const problem = failure.message.startsWith(prefix)
      ? failure.message.slice(prefix.length)
      : failure.message;
    return new InputError(failure.file, problem);
  }
  if (failure.kind === 'cancelled') return new CancelledError();
  return new Error(failure.message);
}
