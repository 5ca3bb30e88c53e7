import {
  isFinetuneEvent,
  type HostEvent,
  type InputPurpose,
  type InputRef,
} from '../../../shared/api';
import { ApiFailure, type CallOutcome } from '../../../shared/api-error';
import type { HostBridge } from '../../../shared/host-bridge';
import { serviceCalls } from '../../../shared/ipc';

const TOKEN_KEY = 'calibration-audit-token';

/** The API over HTTP to the browser host that served this page (see src/host/browser/server.ts). */
export function createBrowserApi(): HostBridge {
  const token = takeToken();
  const listeners = new Set<(event: HostEvent) => void>();
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
    for (const { path, file } of files) {
      const response = await fetch(`/api/upload/${uploadId}?path=${encodeURIComponent(path)}`, {
        method: 'PUT',
        headers: { 'X-Token': token },
        body: file,
      });
      const outcome = (await response.json().catch(() => null)) as CallOutcome<null> | null;
      if (!outcome?.ok) {
        throw new ApiFailure(
          outcome?.error ?? { kind: 'internal', message: `Upload of ${path} failed.` },
        );
      }
    }
    return call<InputRef>('finishUpload', uploadId, purpose);
  }

  return {
    host: 'browser',
    ...serviceCalls((method, args) => call(method, ...args)),
    onAuditEvent: (listener) => subscribe((event) => isFinetuneEvent(event) || listener(event)),
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
    async chooseInput(purpose) {
      const files = await pickFiles();
      return files.length > 0 ? upload(purpose, files) : null;
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
 * The browser's picker, for a folder: a model folder, or a test-set folder (class subfolders of images,
 * IDX files, or a folder holding one CSV). Single files can be dropped instead.
 */
function pickFiles(): Promise<{ path: string; file: File }[]> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.webkitdirectory = true;
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
