import { app, BrowserWindow, dialog, ipcMain, Menu, type IpcMainInvokeEvent } from 'electron';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HostCommand, HostEvent, InputPurpose, InputRef } from '../shared/api';
import type { CallOutcome } from '../shared/api-error';
import { IPC, IPC_CALLS, type IpcCall } from '../shared/ipc';
import { EngineClient } from '../engine/worker/engine-client';
import { createAppService, toApiError, type AppService } from '../host/app-service';
import { demoInputs } from '../host/demo-inputs';
import { hardenApp, isTrustedSender } from './security';
import { utilityProcessTransport } from './utility-transport';

const RENDERER_DEV_URL = process.env.ELECTRON_RENDERER_URL;
const RENDERER_FILE = path.join(__dirname, '../renderer/index.html');
const RENDERER_URL = RENDERER_DEV_URL ?? pathToFileURL(RENDERER_FILE).href;

let window: BrowserWindow | null = null;

function resourcesDir(): string {
  return app.isPackaged ? process.resourcesPath : path.join(app.getAppPath(), 'resources');
}

function send(channel: string, payload: HostEvent | HostCommand): void {
  window?.webContents.send(channel, payload);
}

async function settle<T>(run: () => Promise<T>): Promise<CallOutcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: toApiError(error) };
  }
}

function trusted(event: IpcMainInvokeEvent): boolean {
  return isTrustedSender(event.senderFrame, window?.webContents ?? null, RENDERER_URL);
}

async function chooseInput(purpose: InputPurpose): Promise<InputRef | null> {
  if (!window) return null;
  const folder = purpose === 'model' || process.platform === 'darwin';
  const result = await dialog.showOpenDialog(window, {
    title: purpose === 'model' ? 'Open Model Folder' : 'Open Test Set',
    properties: folder
      ? purpose === 'model'
        ? ['openDirectory']
        : ['openFile', 'openDirectory']
      : ['openFile'],
    filters:
      purpose === 'testSet' && !folder
        ? [
            { name: 'Test sets (CSV, IDX)', extensions: ['csv', 'gz', 'idx3-ubyte', 'idx1-ubyte'] },
            { name: 'All files', extensions: ['*'] },
          ]
        : undefined,
  });
  const chosen = result.canceled ? undefined : result.filePaths[0];
  return chosen ? { path: chosen, label: path.basename(chosen) } : null;
}

async function chooseFolder(title: string): Promise<InputRef | null> {
  if (!window) return null;
  const result = await dialog.showOpenDialog(window, { title, properties: ['openDirectory'] });
  const chosen = result.canceled ? undefined : result.filePaths[0];
  return chosen ? { path: chosen, label: path.basename(chosen) } : null;
}

/** Copies the staged fine-tuned model into a folder the user picks; null when they cancel. */
async function exportFinetunedModel(
  service: AppService,
  finetuneId: string,
): Promise<string | null> {
  const staged = service.finetunedModelFolder(finetuneId);
  if (!staged) throw new Error('This fine-tune has no exported model.');
  if (!window) return null;
  const result = await dialog.showOpenDialog(window, {
    title: 'Export Fine-tuned Model To',
    properties: ['openDirectory', 'createDirectory'],
  });
  const parent = result.canceled ? undefined : result.filePaths[0];
  if (!parent) return null;
  const target = path.join(parent, `finetuned-model-${finetuneId}`);
  await cp(staged, target, { recursive: true, errorOnExist: true, force: false });
  return target;
}

function buildMenu(): void {
  const offer = async (purpose: InputPurpose, pick: () => Promise<InputRef | null>) => {
    const input = await pick();
    if (input) send(IPC.hostCommand, { type: 'input', purpose, input });
  };
  const menu = Menu.buildFromTemplate([
    {
      label: 'File',
      submenu: [
        {
          label: 'Open Model...',
          accelerator: 'CmdOrCtrl+O',
          click: () => offer('model', () => chooseInput('model')),
        },
        {
          label: 'Open Test Set...',
          accelerator: 'CmdOrCtrl+T',
          click: () => offer('testSet', () => chooseInput('testSet')),
        },
        {
          label: 'Open Test Set Folder...',
          click: () => offer('testSet', () => chooseFolder('Open Test Set Folder')),
        },
        { type: 'separator' },
        {
          label: 'Try the Demo',
          accelerator: 'CmdOrCtrl+D',
          click: () => send(IPC.hostCommand, { type: 'demo' }),
        },
        { type: 'separator' },
        { role: 'quit', label: 'Quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
  ]);
  Menu.setApplicationMenu(menu);
}

function registerIpc(service: AppService): void {
  ipcMain.handle(IPC.call, (event, method: IpcCall, args: unknown[]) => {
    if (!trusted(event))
      return { ok: false, error: { kind: 'internal', message: 'Untrusted sender.' } };
    if (!IPC_CALLS.includes(method) || !Array.isArray(args)) {
      return { ok: false, error: { kind: 'internal', message: `Unknown call ${String(method)}.` } };
    }
    const handler = service[method] as (...a: unknown[]) => Promise<unknown>;
    return settle(() => handler(...args));
  });
  ipcMain.handle(IPC.exportFinetunedModel, (event, finetuneId: string) => {
    if (!trusted(event))
      return { ok: false, error: { kind: 'internal', message: 'Untrusted sender.' } };
    return settle(() => exportFinetunedModel(service, String(finetuneId)));
  });
  ipcMain.handle(IPC.chooseInput, (event, purpose: InputPurpose) => {
    if (!trusted(event))
      return { ok: false, error: { kind: 'internal', message: 'Untrusted sender.' } };
    return settle(() => chooseInput(purpose === 'model' ? 'model' : 'testSet'));
  });
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Calibration Audit',
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.once('ready-to-show', () => window?.show());
  window.on('closed', () => {
    window = null;
  });
  if (RENDERER_DEV_URL) void window.loadURL(RENDERER_DEV_URL);
  else void window.loadFile(RENDERER_FILE);
}

app.whenReady().then(() => {
  hardenApp();
  const engine = new EngineClient(
    utilityProcessTransport(path.join(__dirname, 'engine-process.js')),
  );
  const service = createAppService({
    engine,
    demo: demoInputs(resourcesDir()),
    emit: (event) => send(IPC.hostEvent, event),
    stagingDir: path.join(app.getPath('userData'), 'finetuned-models'),
  });
  registerIpc(service);
  buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('will-quit', () => void engine.close());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
