import { Worker, type MessagePort } from 'node:worker_threads';
import {
  bootstrapMetricSamples,
  completeAudit,
  intervalsFromSamples,
  prepareAudit,
  type AuditOptions,
  type CalibrationReport,
  type Predictions,
} from '../core';
import {
  averageSubsetIntervals,
  littleBootstrapJobs,
  littleBootstrapPlan,
  littleBootstrapSubsetIntervals,
  runLittleBootstrapJobs,
  type LittleBootstrapJob,
} from '../core/little-bootstrap';
import { releaseHarmonicTables, type ResamplingData } from '../core/weighted-pass';
import { CancelledError } from './inference';

/** Resamples from..to of the exact bootstrap. */
interface ExactJob {
  kind?: 'exact';
  data: ResamplingData;
  resamples: number;
  seed: number;
  from: number;
  to: number;
}

/** Subsets of the bag of little bootstraps. */
interface LittleJob {
  kind: 'little';
  subsets: LittleBootstrapJob[];
}

type Job = (ExactJob | LittleJob) & { id: number };

/** workerData that makes an engine entry file serve bootstrap jobs instead of the engine. */
export const BOOTSTRAP_ROLE = { role: 'bootstrap-helper' } as const;

export function isBootstrapHelper(workerData: unknown): boolean {
  return (workerData as { role?: string } | null)?.role === BOOTSTRAP_ROLE.role;
}

/** The helper thread's side: computes the resamples it is sent. */
export function serveBootstrapJobs(port: MessagePort): void {
  port.on('message', (job: Job) => {
    const samples =
      job.kind === 'little'
        ? runLittleBootstrapJobs(job.subsets)
        : bootstrapMetricSamples(job.data, job.resamples, job.seed, job.from, job.to);
    port.postMessage(
      { id: job.id, samples },
      samples.map((s) => s.buffer as ArrayBuffer),
    );
  });
}

/**
 * A second thread for the bootstrap, so an audit's intervals use both cores. Started once (its start-up
 * overlaps model loading and inference) and reused; if it fails, the work is done on this thread.
 */
export class BootstrapHelper {
  private worker: Worker | null = null;
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<number, (samples: Float64Array[] | null) => void>();

  constructor(private readonly entry: URL | string) {}

  /** Starts the thread now rather than at the first audit. */
  start(): void {
    if (this.worker || this.broken) return;
    try {
      const worker = new Worker(this.entry, { workerData: BOOTSTRAP_ROLE });
      worker.unref();
      worker.on('message', ({ id, samples }: { id: number; samples: Float64Array[] }) => {
        this.pending.get(id)?.(samples);
        this.pending.delete(id);
      });
      const fail = () => {
        this.broken = true;
        this.worker = null;
        for (const resolve of this.pending.values()) resolve(null);
        this.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', fail);
      this.worker = worker;
    } catch {
      this.broken = true;
    }
  }

  /** The resamples from..to, or null when the helper thread is not available. */
  run(job: ExactJob | LittleJob): Promise<Float64Array[] | null> {
    this.start();
    const worker = this.worker;
    if (!worker) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ ...job, id });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.broken = true;
    if (worker) await worker.terminate();
  }
}

/**
 * Moves the resampling data's large typed arrays into shared memory, in place, so that the helper
 * thread reads them rather than a copy (10 million samples of 10 classes: about 600 MB not
 * duplicated). The bootstrap only reads them.
 */
export function shareLargeArrays(data: ResamplingData): void {
  const fields = data as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    if (!ArrayBuffer.isView(value) || value instanceof DataView) continue;
    if (value.byteLength < 1 << 20 || value.buffer instanceof SharedArrayBuffer) continue;
    const array = value as Float32Array | Float64Array | Int32Array;
    const Typed = array.constructor as new (buffer: SharedArrayBuffer) => typeof array;
    const shared = new Typed(new SharedArrayBuffer(array.byteLength));
    shared.set(array);
    fields[key] = shared;
  }
}

/** Progress and cancelling of the bootstrap (the audit's metrics phase). */
export interface BootstrapHooks {
  /** Resamples done of the total (the helper's share assumed to keep pace with this thread's). */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Resamples per chunk: about 50 reports over a run, at least 10 resamples each. */
function chunkSize(resamples: number): number {
  return Math.max(10, Math.ceil(resamples / 50));
}

/**
 * This thread's resamples (`from` to the end) in chunks, reporting after each and yielding to the
 * event loop so that a cancel is heard; the values are those of one call (each resample has its own
 * stream of the seed).
 */
async function bootstrapInChunks(
  data: ResamplingData,
  resamples: number,
  seed: number,
  from: number,
  hooks: BootstrapHooks,
): Promise<Float64Array[]> {
  const mine = resamples - from;
  const scale = resamples / Math.max(1, mine);
  const parts: Float64Array[][] = [];
  const step = chunkSize(resamples);
  hooks.onProgress?.(0, resamples);
  for (let start = from; start < resamples; start += step) {
    if (hooks.signal?.aborted) throw new CancelledError();
    const end = Math.min(resamples, start + step);
    parts.push(bootstrapMetricSamples(data, resamples, seed, start, end));
    hooks.onProgress?.(Math.min(resamples, Math.round((end - from) * scale)), resamples);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (parts.length === 1) return parts[0];
  return (parts[0] ?? []).map((_, m) => {
    const all = new Float64Array(mine);
    let offset = 0;
    for (const part of parts) {
      all.set(part[m], offset);
      offset += part[m].length;
    }
    return all;
  });
}

/**
 * auditPredictions with the bootstrap shared between this thread and the helper: the same report
 * (resample b always draws from its own stream of the seed), in about half the time on two cores.
 */
export async function auditPredictionsInParallel(
  predictions: Predictions,
  options: Partial<AuditOptions>,
  helper: BootstrapHelper | null,
  hooks: BootstrapHooks = {},
): Promise<CalibrationReport> {
  return auditPreparedInParallel(prepareAudit(predictions, options), helper, hooks);
}

/**
 * The report of prepared point estimates, with the intervals shared between the threads: the
 * exact bootstrap when the point estimates carry resampling data, else (above
 * LARGE_SAMPLE_THRESHOLD samples) the bag of little bootstraps, half of its subsets each.
 */
export async function auditPreparedInParallel(
  prepared: ReturnType<typeof prepareAudit>,
  helper: BootstrapHelper | null,
  hooks: BootstrapHooks = {},
): Promise<CalibrationReport> {
  const { bootstrapResamples: resamples, seed } = prepared.options;
  if (resamples === 0) return completeAudit(prepared, null);
  const { data } = prepared.point;
  if (!data) {
    return completeAudit(prepared, await littleBootstrapInParallel(prepared, helper, hooks));
  }
  const split = helper ? Math.floor(resamples / 2) : 0;
  if (split > 0) shareLargeArrays(data);
  const remote =
    split > 0 && helper ? helper.run({ data, resamples, seed, from: 0, to: split }) : null;
  const local = await bootstrapInChunks(data, resamples, seed, split, hooks);
  const first =
    split > 0 ? ((await remote) ?? bootstrapMetricSamples(data, resamples, seed, 0, split)) : [];
  const samples = local.map((values, m) => {
    if (split === 0) return values;
    const all = new Float64Array(resamples);
    all.set(first[m], 0);
    all.set(values, split);
    return all;
  });
  return completeAudit(prepared, intervalsFromSamples(samples));
}

/**
 * The bag of little bootstraps (above LARGE_SAMPLE_THRESHOLD samples) with half of the subsets
 * on the helper thread: each subset is a few MB of rows, copied to it.
 */
async function littleBootstrapInParallel(
  prepared: ReturnType<typeof prepareAudit>,
  helper: BootstrapHelper | null,
  hooks: BootstrapHooks,
): Promise<Record<string, [number, number]>> {
  const { predictions, options, point } = prepared;
  const plan = littleBootstrapPlan(predictions.labels.length, options.bootstrapResamples);
  const jobs = littleBootstrapJobs(
    predictions,
    plan,
    options.bins,
    point.smoothBandwidth,
    options.seed,
  );
  const split = helper ? Math.floor(jobs.length / 2) : 0;
  const remote =
    split > 0 && helper ? helper.run({ kind: 'little', subsets: jobs.slice(0, split) }) : null;
  // This thread's subsets one at a time, reporting resamples done (the helper's share assumed to
  // keep pace) and yielding between them so that a cancel is heard.
  const mine = jobs.slice(split);
  const local: Float64Array[] = [];
  const total = plan.subsets * plan.resamplesPerSubset;
  const scale = jobs.length / Math.max(1, mine.length);
  hooks.onProgress?.(0, total);
  for (const job of mine) {
    if (hooks.signal?.aborted) throw new CancelledError();
    local.push(littleBootstrapSubsetIntervals(job));
    const done = Math.round(local.length * scale * plan.resamplesPerSubset);
    hooks.onProgress?.(Math.min(total, done), total);
    await new Promise((resolve) => setImmediate(resolve));
  }
  releaseHarmonicTables();
  const first = split > 0 ? ((await remote) ?? runLittleBootstrapJobs(jobs.slice(0, split))) : [];
  return averageSubsetIntervals([...first, ...local], point.values);
}
