import { createReadStream } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type {
  ApiError,
  HostEvent,
  InputPurpose,
  ReportData,
  ReportPageSize,
} from '../../shared/api';
import type { CallOutcome } from '../../shared/api-error';
import { InputError } from '../../engine/input-error';
import { toApiError } from '../api-errors';
import { pdfFileName, type AppService } from '../app-service';
import { CONTENT_SECURITY_POLICY } from '../../shared/csp';
import { IPC_CALLS } from '../../shared/ipc';
import { checkCallArgs } from '../call-args';
import { BusyError } from '../task-queue';
import { MAX_UPLOAD_BYTES, MAX_WORKSPACE_BYTES, Workspace } from './workspace';
import { zipFolder } from './zip';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Sent with every response, whatever it is: no page may frame this one (clickjacking), and no browser
 * may guess a type other than the one given (an API answer is never run as a script or page).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** Uploads received at once; more are refused (429) until one ends. */
export const MAX_CONCURRENT_UPLOADS = 8;

/** The service's calls, as Electron's main process serves them, and the end of an upload. */
const CALLS = [...IPC_CALLS, 'finishUpload'] as const;
type CallName = (typeof CALLS)[number];

export interface BrowserHostOptions {
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** Builds the service once the host knows how to emit events and where to stage fine-tuned models. */
  createService: (emit: (event: HostEvent) => void, stagingDir: string) => AppService;
  port?: number;
  token?: string;
  /**
   * Prints a report to a PDF file (src/host/pdf, with the process's engine for thumbnails); without it
   * `/api/report/<auditId>.pdf` answers 501.
   */
  printPdf?: (report: ReportData, file: string, pageSize: ReportPageSize) => Promise<void>;
  /** Most bytes the uploads may hold at once; default MAX_WORKSPACE_BYTES (8 GiB). */
  maxUploadBytes?: number;
  /** Where real faults (5xx) are logged; default console.error. */
  log?: (message: string) => void;
}

export interface BrowserHost {
  /** The URL to open, with the per-launch token. */
  url: string;
  /** The service behind the API (to register reports for printing). */
  service: AppService;
  port: number;
  token: string;
  close(): Promise<void>;
}

/**
 * Serves the renderer and the API on 127.0.0.1 only. Every API request needs the per-launch token and a
 * Host (and, when sent, Origin) naming this server, which shuts out other sites and DNS rebinding.
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const workspace = await Workspace.create(options.maxUploadBytes ?? MAX_WORKSPACE_BYTES);
  const log = options.log ?? ((message: string) => console.error(message));
  const listeners = new Set<ServerResponse>();
  let uploading = 0;
  const emit = (event: HostEvent) => {
    if (event.type === 'failed' || event.type === 'finetune-failed') nameAsDropped(event.error);
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const response of listeners) response.write(frame);
    // A finished task may leave uploads nothing needs any more.
    if (event.type !== 'progress' && event.type !== 'finetune-progress') void prune();
  };
  const service = options.createService(emit, path.join(workspace.root, 'finetuned'));
  // The browser host opens only what was uploaded into its workspace (and the demo, and what its
  // history recorded): see file-grants.ts.
  await service.grants.grant(workspace.root);
  let port = 0;

  /** Deletes the uploads no task or kept report needs (see Workspace.prune). */
  async function prune(): Promise<void> {
    await workspace.prune(service.inputsInUse()).catch((error: unknown) => {
      log(`calibration-audit serve: could not delete old uploads: ${String(error)}`);
    });
  }

  const server = createServer((request, response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      reply(response, outcomeOf(error));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!isOwnHost(request.headers.host, port)) return sendText(response, 403, 'Forbidden host.');
    let url: URL;
    try {
      url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return sendText(response, 400, 'Bad request: the URL cannot be parsed.');
    }
    if (!url.pathname.startsWith('/api/'))
      return serveStatic(options.rendererDir, url.pathname, response);
    if (!isOwnOrigin(request.headers.origin, port))
      return sendText(response, 403, 'Forbidden origin.');
    const given = request.headers['x-token'] ?? url.searchParams.get('token') ?? '';
    if (!sameSecret(String(given), token))
      return sendText(response, 401, 'Missing or wrong token.');

    if (request.method === 'GET' && url.pathname === '/api/events') {
      response.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      });
      response.write(': connected\n\n');
      listeners.add(response);
      const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), 15_000);
      request.on('close', () => {
        clearInterval(heartbeat);
        listeners.delete(response);
      });
      return;
    }
    const download = /^\/api\/download\/([\w-]+)\.zip$/.exec(url.pathname);
    if (request.method === 'GET' && download) {
      const arm = url.searchParams.get('arm') ?? 'smoothed';
      const folder = service.finetunedModelFolder(download[1], arm);
      if (!folder) return sendText(response, 404, 'No such fine-tuned model.');
      const name = arm === 'smoothed' ? 'finetuned-model' : `calibrated-model-${arm}`;
      const zip = await zipFolder(folder, name);
      response.writeHead(200, {
        'Content-Type': 'application/zip',
        'Content-Length': zip.length,
        // `arm` is one of the exportable arm names (checked by finetunedModelFolder).
        'Content-Disposition': `attachment; filename="${name}.zip"`,
        'Cache-Control': 'no-store',
      });
      response.end(zip);
      return service.recordExport(download[1], `${name}.zip, downloaded from the browser host`);
    }
    const report = /^\/api\/report\/([\w-]+)\.pdf$/.exec(url.pathname);
    if (request.method === 'GET' && report) {
      if (!options.printPdf) return sendText(response, 501, 'This host cannot print PDFs.');
      const data = service.auditReport(report[1]);
      if (!data) return sendText(response, 404, 'No such audit.');
      const pageSize: ReportPageSize =
        url.searchParams.get('pageSize') === 'Letter' ? 'Letter' : 'A4';
      const file = path.join(workspace.root, 'reports', `${report[1]}-${pageSize}.pdf`);
      let pdf: Buffer;
      try {
        await options.printPdf(data, file, pageSize);
        pdf = await readFile(file);
      } finally {
        await rm(file, { force: true });
      }
      const name = pdfFileName(data);
      response.writeHead(200, {
        'Content-Type': 'application/pdf',
        'Content-Length': pdf.length,
        'Content-Disposition': `attachment; filename="${name}"`,
        'Cache-Control': 'no-store',
      });
      return void response.end(pdf);
    }
    const upload = /^\/api\/upload\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'PUT' && upload) {
      if (uploading >= MAX_CONCURRENT_UPLOADS) {
        throw new BusyError(
          `${MAX_CONCURRENT_UPLOADS} uploads are already being received; send this file when one has finished.`,
        );
      }
      uploading++;
      try {
        const file = await workspace.fileFor(upload[1], url.searchParams.get('path') ?? '');
        await receiveFile(request, file, upload[1]);
      } finally {
        uploading--;
      }
      return sendJson(response, 200, { ok: true, value: null });
    }
    const call = /^\/api\/call\/(\w+)$/.exec(url.pathname);
    if (request.method === 'POST' && call && (CALLS as readonly string[]).includes(call[1])) {
      const args = await readJsonArray(request);
      const outcome = await settle(() => invoke(call[1] as CallName, args));
      if (call[1] === 'finishUpload' && outcome.ok) await prune();
      return reply(response, outcome);
    }
    sendText(response, 404, 'Not found.');
  }

  /** Names files in an error as the user dropped them rather than by their workspace path. */
  function nameAsDropped(error: ApiError): void {
    error.message = workspace.toUserPaths(error.message);
    if (error.file) error.file = workspace.toUserPaths(error.file);
  }

  /** Sends an outcome with the status that matches it; a real fault (5xx) is logged too. */
  function reply(response: ServerResponse, outcome: CallOutcome<unknown>): void {
    if (!outcome.ok) nameAsDropped(outcome.error);
    const status = statusOf(outcome);
    if (status >= 500 && !outcome.ok) {
      log(`calibration-audit serve: internal error: ${outcome.error.message}`);
    }
    sendJson(response, status, outcome);
  }

  /** Runs a call once its arguments are checked (a wrong one is the caller's mistake: 400). */
  async function invoke(name: CallName, args: unknown[]): Promise<unknown> {
    checkCallArgs(name, args);
    if (name === 'finishUpload')
      return workspace.finish(args[0] as string, args[1] as InputPurpose);
    const method = service[name] as (...a: unknown[]) => Promise<unknown>;
    return method(...args);
  }

  /** Writes one uploaded file, counting its bytes against the workspace's limit. */
  async function receiveFile(
    request: IncomingMessage,
    file: string,
    uploadId: string,
  ): Promise<void> {
    const handle = await open(file, 'wx', 0o600).catch(() => {
      throw new InputError(path.basename(file), 'was sent twice in one drop.');
    });
    let size = 0;
    let ok = false;
    try {
      for await (const chunk of request) {
        const bytes = chunk as Buffer;
        if (size + bytes.length > MAX_UPLOAD_BYTES)
          throw new InputError(path.basename(file), 'is larger than 4 GiB.');
        workspace.take(uploadId, path.basename(file), bytes.length);
        size += bytes.length;
        await handle.write(bytes);
      }
      ok = true;
    } finally {
      await handle.close();
      if (!ok) {
        workspace.give(uploadId, size);
        await rm(file, { force: true });
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    service,
    port,
    token,
    async close() {
      for (const response of listeners) response.end();
      listeners.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await workspace.dispose();
    },
  };
}

function isOwnHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}

function isOwnOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function settle<T>(run: () => Promise<T>): Promise<CallOutcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return outcomeOf(error);
  }
}

function statusOf(outcome: CallOutcome<unknown>): number {
  if (outcome.ok) return 200;
  return outcome.error.kind === 'input' ? 400 : outcome.error.kind === 'busy' ? 429 : 500;
}

function outcomeOf(error: unknown): { ok: false; error: ReturnType<typeof toApiError> } {
  return { ok: false, error: toApiError(error) };
}

async function readJsonArray(request: IncomingMessage): Promise<unknown[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 1 << 20) throw new InputError('request', 'is larger than 1 MiB.');
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '[]');
  } catch {
    throw new InputError('request', 'is not valid JSON: send a JSON array of arguments.');
  }
  if (!Array.isArray(parsed)) throw new InputError('request', 'must be a JSON array of arguments.');
  return parsed;
}

async function serveStatic(
  root: string,
  pathname: string,
  response: ServerResponse,
): Promise<void> {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return sendText(response, 400, 'Bad request: the path is not valid percent-encoding.');
  }
  const file = path.resolve(root, `.${relative}`);
  const inside = path.relative(root, file);
  if (relative.includes('\0') || inside.startsWith('..') || path.isAbsolute(inside)) {
    return sendText(response, 404, 'Not found.');
  }
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return sendText(response, 404, 'Not found.');
  response.writeHead(200, {
    'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': 'no-store',
  });
  createReadStream(file).pipe(response);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}
