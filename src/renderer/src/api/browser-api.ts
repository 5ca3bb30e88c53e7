import {
  isAuditEvent,
  isFinetuneEvent,
  isInspectEvent,
  type HostEvent,
  type InputPurpose,
  type InputRef,
} from '../../../shared/api';
import { ApiFailure, type CallOutcome } from '../../../shared/api-error';
import type { HostBridge, TransferProgress } from '../../../shared/host-bridge';
import { serviceCalls } from '../../../shared/ipc';

const TOKEN_KEY = 'calibration-audit-token';
/** Files uploaded at once (the browser host receives at most 8). */
const UPLOADS_AT_ONCE = 4;

/** The API over HTTP to the browser host that served this page (see src/host/browser/server.ts). */
export function createBrowserApi(): HostBridge {
  const token = takeToken();
  const listeners = new Set<(event: HostEvent) => void>();
  const transferListeners = new Set<(progress: TransferProgress) => void>();
  /** The upload under way for each input, to stop it. */
  const transfers = new Map<InputPurpose, AbortController>();
  let events: EventSource | null = null;

  async function call<T>(method: string, ...args: unknown[]): Promise<T> {
    const response = await fetch(`/api/call/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Token': token },
      body: JSON.stringify(args),
    });
    const outcome = (await response.json().catch(() => null)) as CallOutcome<T> | null;
    if (!outcome)
      throw new ApiFailure({ kind: 'internal', message: `The host answered ${response.status}.` });
    if (!outcome.ok) throw new ApiFailure(outcome.error);
    return outcome.value;
  }

  function subscribe(listener: (event: HostEvent) => void): () => void {
    listeners.add(listener);
    events ??= openEvents(token, (event) => listeners.forEach((l) => l(event)));
    return () => listeners.delete(listener);
  }

  async function upload(
    purpose: InputPurpose,
    files: { path: string; file: File }[],
  ): Promise<InputRef> {
    if (files.length === 0)
      throw new ApiFailure({
        kind: 'input',
        file: 'drop',
        message: 'drop: no files were dropped.',
      });
    const uploadId = crypto.randomUUID().replace(/-/g, '');
    transfers.get(purpose)?.abort();
    const controller = new AbortController();
    transfers.set(purpose, controller);
    const progress: TransferProgress = {
      purpose,
      files: 0,
      totalFiles: files.length,
      bytes: 0,
      totalBytes: files.reduce((sum, { file }) => sum + file.size, 0),
    };
    const report = () => transferListeners.forEach((listener) => listener({ ...progress }));
    report();
    // A few files in flight at once (the host takes up to 8): many small photos go several times faster.
    let next = 0;
    let failed: unknown = null;
    const send = async () => {
      while (next < files.length && failed === null) {
        const { path, file } = files[next++];
        const response = await fetch(`/api/upload/${uploadId}?path=${encodeURIComponent(path)}`, {
          method: 'PUT',
          headers: { 'X-Token': token },
          body: file,
          signal: controller.signal,
        }).catch((error: unknown) => {
          failed ??= controller.signal.aborted
            ? new ApiFailure({ kind: 'input', file: path, message: 'The upload was cancelled.' })
            : error;
          return null;
        });
        if (!response) return;
        const outcome = (await response.json().catch(() => null)) as CallOutcome<null> | null;
        if (!outcome?.ok) {
          failed ??= new ApiFailure(
            outcome?.error ?? { kind: 'internal', message: `Upload of ${path} failed.` },
          );
          return;
        }
        progress.files++;
        progress.bytes += file.size;
        report();
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(UPLOADS_AT_ONCE, files.length) }, send));
    } finally {
      if (transfers.get(purpose) === controller) transfers.delete(purpose);
    }
    if (failed !== null) throw failed;
    return call<InputRef>('finishUpload', uploadId, purpose);
  }

  return {
    host: 'browser',
    ...serviceCalls((method, args) => call(method, ...args)),
    onAuditEvent: (listener) => subscribe((event) => isAuditEvent(event) && listener(event)),
    onInspectProgress: (listener) => subscribe((event) => isInspectEvent(event) && listener(event)),
    onFinetuneEvent: (listener) => subscribe((event) => isFinetuneEvent(event) && listener(event)),
    async exportFinetunedModel(finetuneId, arm = 'smoothed') {
      const name = arm === 'smoothed' ? 'finetuned-model' : `calibrated-model-${arm}`;
      const link = document.createElement('a');
      link.href = `/api/download/${encodeURIComponent(finetuneId)}.zip?token=${encodeURIComponent(token)}&arm=${encodeURIComponent(arm)}`;
      link.download = `${name}.zip`;
      link.click();
      return `${name}.zip (your downloads folder)`;
    },
    async exportPdf(auditId, pageSize) {
      // Fetched first, so that a failed print shows as the host's message, not as a broken download.
      const response = await fetch(
        `/api/report/${encodeURIComponent(auditId)}.pdf?pageSize=${encodeURIComponent(pageSize)}`,
        { headers: { 'X-Token': token } },
      );
      if (!response.ok) throw await failureOf(response, `Printing the report failed`);
      const name =
        /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ??
        'calibration-audit.pdf';
      const url = URL.createObjectURL(await response.blob());
      try {
        const link = document.createElement('a');
        link.href = url;
        link.download = name;
        link.click();
      } finally {
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      }
      return `${name} (${pageSize}) in your downloads folder`;
    },
    onHostCommand: () => () => undefined,
    async resolveDrop(purpose, drop) {
      return upload(purpose, await droppedFiles(drop));
    },
    async chooseInput(purpose, kind = 'files') {
      const files = await pickFiles(kind);
      return files.length > 0 ? upload(purpose, files) : null;
    },
    cancelTransfer(purpose) {
      transfers.get(purpose)?.abort();
    },
    onTransfer(listener) {
      transferListeners.add(listener);
      return () => transferListeners.delete(listener);
    },
  };
}

/** The host's error for a failed request: its JSON outcome, else its text, else the status. */
async function failureOf(response: Response, what: string): Promise<ApiFailure> {
  const body = await response.text().catch(() => '');
  try {
    const outcome = JSON.parse(body) as CallOutcome<unknown>;
    if (!outcome.ok) return new ApiFailure(outcome.error);
  } catch {
    // Not JSON: the plain-text answer below.
  }
  const message = body.trim() || `the host answered ${response.status}`;
  return new ApiFailure({ kind: 'internal', message: `${what}: ${message}` });
}

function takeToken(): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    history.replaceState(null, '', location.pathname + location.hash);
  }
  return fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function openEvents(token: string, deliver: (event: HostEvent) => void): EventSource {
  const source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  source.onmessage = (message) => deliver(JSON.parse(message.data as string) as HostEvent);
  return source;
}

/** Files of a drop with their paths relative to what was dropped (folders are walked). */
async function droppedFiles(drop: DataTransfer): Promise<{ path: string; file: File }[]> {
  const entries = Array.from(drop.items ?? [])
    .map((item) => item.webkitGetAsEntry?.())
    .filter((entry): entry is FileSystemEntry => Boolean(entry));
  if (entries.length > 0) {
    const files: { path: string; file: File }[] = [];
    for (const entry of entries) await walk(entry, files);
    return files;
  }
  return Array.from(drop.files).map((file) => ({
    path: file.webkitRelativePath || file.name,
    file,
  }));
}

async function walk(entry: FileSystemEntry, into: { path: string; file: File }[]): Promise<void> {
  const path = entry.fullPath.replace(/^\/+/, '');
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    into.push({ path, file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, into);
  }
}

/**
 * The browser's picker: files (a CSV, a .keras/.onnx model, model.json with its shards, IDX files, a
 * score file; several at once) or a folder (a model folder, class subfolders of images, IDX files).
 * A browser's picker offers one or the other, so the window asks for one.
 */
function pickFiles(kind: 'files' | 'folder'): Promise<{ path: string; file: File }[]> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.webkitdirectory = kind === 'folder';
    input.addEventListener('change', () =>
      resolve(
        Array.from(input.files ?? []).map((file) => ({
          path: file.webkitRelativePath || file.name,
          file,
        })),
      ),
    );
    input.addEventListener('cancel', () => resolve([]));
    input.click();
  });
}
