import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, AuditSettings, HistoryStatus, InputRef } from '../../src/shared/api';
import type { AuditSummary } from '../../src/shared/history';
import { IPC } from '../../src/shared/ipc';
import { tempDir } from '../helpers/temp-dir';

/**
 * The built Electron main process (out/main/index.js) on plain Node, with Electron's API stood in
 * by test/main/electron-stand-in (its binary cannot be downloaded here): this test plays the window.
 * What runs for real: the main process's wiring, its IPC handlers and sender checks, its history in
 * the user-data folder, and the engine bundle (out/main/engine-process.js, with its bootstrap
 * thread) in a child process standing in for the utility process.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const MAIN = path.join(ROOT, 'out/main/index.js');

type FromMain =
  | { type: 'handled'; channel: string }
  | { type: 'menu'; labels: string[] }
  | { type: 'window-loaded'; url: string }
  | { type: 'sent'; channel: string; payload: unknown }
  | { type: 'reply'; id: number; value?: unknown; error?: string };

let main: ChildProcess;
let userData: string;
const received: FromMain[] = [];
const waiters: (() => void)[] = [];
let nextId = 1;

async function waitFor<T extends FromMain>(
  found: (message: FromMain) => message is T,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const message = received.find(found);
    if (message) return message;
    if (Date.now() > deadline) throw new Error('the main process did not answer in time');
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 200);
    });
  }
}

/** Invokes an IPC channel as the window (or as a foreign frame). */
async function invoke(channel: string, args: unknown[], untrusted = false): Promise<unknown> {
  const id = nextId++;
  main.send({ type: 'invoke', id, channel, args, untrusted });
  const reply = await waitFor(
    (m): m is Extract<FromMain, { type: 'reply' }> => m.type === 'reply' && m.id === id,
  );
  if (reply.error) throw new Error(reply.error);
  return reply.value;
}

/** An API call through IPC.call; its CallOutcome unwrapped. */
async function call<T>(method: string, ...args: unknown[]): Promise<T> {
  const outcome = (await invoke(IPC.call, [method, args])) as
    { ok: true; value: T } | { ok: false; error: { message: string } };
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.value;
}

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error('out/main is not built: run `npm run build` first.');
  userData = await tempDir('calibration-audit-user-data-');
  main = fork(MAIN, [], {
    cwd: ROOT,
    execArgv: ['--import', path.join(HERE, 'electron-stand-in/register.mjs')],
    env: { ...process.env, STAND_IN_USER_DATA: userData, STAND_IN_APP_PATH: ROOT },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  main.on('message', (message: FromMain) => {
    received.push(message);
    waiters.splice(0).forEach((wake) => wake());
  });
  await waitFor((m): m is FromMain => m.type === 'window-loaded');
});

afterAll(async () => {
  if (!main || main.exitCode !== null) return;
  const exited = new Promise((resolve) => main.once('exit', resolve));
  main.disconnect();
  await exited;
});

describe('the Electron main process (Electron stood in)', () => {
  it('opens one window on the built renderer, with the File menu and every IPC channel', async () => {
    const loaded = await waitFor(
      (m): m is Extract<FromMain, { type: 'window-loaded' }> => m.type === 'window-loaded',
    );
    expect(loaded.url).toBe(`file://${path.join(ROOT, 'out/renderer/index.html')}`);
    const menu = await waitFor((m): m is Extract<FromMain, { type: 'menu' }> => m.type === 'menu');
    expect(menu.labels).toEqual(
      expect.arrayContaining(['Open Model...', 'Try the Demo', 'History', 'Export PDF…']),
    );
    const channels = received.flatMap((m) => (m.type === 'handled' ? [m.channel] : []));
    expect(channels.sort()).toEqual(
      [IPC.call, IPC.chooseInput, IPC.grantDrop, IPC.exportFinetunedModel, IPC.exportPdf].sort(),
    );
  });

  it('keeps its history in the user-data folder', async () => {
    const status = await call<HistoryStatus>('historyStatus');
    expect(status).toEqual({
      file: path.join(userData, 'history.sqlite'),
      state: 'ready',
      notice: null,
    });
    expect(await call<AuditSummary[]>('listAudits')).toEqual([]);
  });

  it('answers no frame but its window’s', async () => {
    const outcome = (await invoke(IPC.call, ['historyStatus', []], true)) as {
      ok: boolean;
      error?: { message: string };
    };
    expect(outcome).toEqual({
      ok: false,
      error: { kind: 'internal', message: 'Untrusted sender.' },
    });
    const unknown = (await invoke(IPC.call, ['deleteEverything', []])) as { ok: boolean };
    expect(unknown.ok).toBe(false);
  });

  it('runs the demo audit in its engine process and saves it', async () => {
    const demo = await call<{ model: InputRef; testSet: InputRef }>('demo');
    expect(demo.model.path).toBe(path.join(ROOT, 'resources/demo/model'));
    const settings: AuditSettings = { ...demo };
    const { auditId } = await call<{ auditId: string }>('startAudit', settings);
    const done = await waitFor(
      (m): m is Extract<FromMain, { type: 'sent' }> =>
        m.type === 'sent' &&
        m.channel === IPC.hostEvent &&
        (m.payload as AuditEvent).auditId === auditId &&
        (m.payload as AuditEvent).type !== 'progress',
      120_000,
    );
    const event = done.payload as AuditEvent;
    if (event.type !== 'done') throw new Error(`the audit ended with ${JSON.stringify(event)}`);
    expect(event.audit.document.provenance.backend).toBe('wasm');
    expect(event.audit.document.provenance.sampleCount).toBe(10_000);
    expect(event.audit.history).toEqual({ saved: true, historyId: 1 });
    const progress = received.filter(
      (m) => m.type === 'sent' && (m.payload as AuditEvent).type === 'progress',
    );
    expect(progress.length).toBeGreaterThan(0);

    const listed = await call<AuditSummary[]>('listAudits');
    expect(listed.map((a) => [a.id, a.modelName, a.sampleCount])).toEqual([
      [1, 'Fashion-MNIST CNN (demo)', 10_000],
    ]);
    expect(listed[0].ece).toBeCloseTo(event.audit.document.metrics.ece.value, 12);

    // Export PDF asks where to save; cancelling the dialog saves nothing and is not an error.
    expect(await invoke(IPC.exportPdf, [auditId, 'A4'])).toEqual({ ok: true, value: null });
    // Only the window may export.
    expect(await invoke(IPC.exportPdf, [auditId, 'A4'], true)).toMatchObject({ ok: false });
  }, 180_000);

  it('opens only what was dropped (granted by main) or chosen, and refuses the rest', async () => {
    const modelDir = path.join(ROOT, 'resources/demo/model');
    const asked = { path: path.join(ROOT, 'package.json'), label: 'package.json' };
    const refused = (await invoke(IPC.call, ['inspectModel', [asked]])) as {
      ok: boolean;
      error?: { message: string };
    };
    expect(refused.ok).toBe(false);
    expect(refused.error?.message).toMatch(
      /package\.json: was not opened in this window.*refused\.$/,
    );
    // A drop of the model's files: main grants their folder, and the model opens.
    const files = ['model.json', 'group1-shard1of1.bin'].map((f) => path.join(modelDir, f));
    const granted = (await invoke(IPC.grantDrop, [files])) as { ok: boolean; value: InputRef };
    expect(granted).toEqual({ ok: true, value: { path: modelDir, label: 'model' } });
    const summary = await call<{ numClasses: number }>('inspectModel', granted.value);
    expect(summary.numClasses).toBe(10);
    // Only the window may grant; bad arguments are the caller's mistake.
    expect(await invoke(IPC.grantDrop, [[asked.path]], true)).toMatchObject({ ok: false });
    expect(await invoke(IPC.call, ['renameAudit', [1, 42]])).toMatchObject({
      ok: false,
      error: { kind: 'input', message: expect.stringMatching(/^request: renameAudit: argument 2/) },
    });
  });

  it('sends the File menu’s History to the window', async () => {
    main.send({ type: 'click', label: 'History' });
    const sent = await waitFor(
      (m): m is Extract<FromMain, { type: 'sent' }> =>
        m.type === 'sent' && m.channel === IPC.hostCommand,
    );
    expect(sent.payload).toEqual({ type: 'history' });
  });
});
