import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HostCommand, HostEvent, InputPurpose, InputRef, ReportPageSize } from '../shared/api';
import type { CallOutcome } from '../shared/api-error';
import { IPC, IPC_CALLS, type IpcCall } from '../shared/ipc';
import { REPORT_FOOTER_TEMPLATE, REPORT_MARGINS_MM } from '../shared/report-print';
import { EngineClient } from '../engine/worker/engine-client';
import { AppHistory } from '../host/app-history';
import { createAppService, pdfFileName, type AppService } from '../host/app-service';
import { toApiError } from '../host/api-errors';
import { demoInputs } from '../host/demo-inputs';
import { FileGrants } from '../host/file-grants';
import { checkCallArgs } from '../host/call-args';
import { hardenApp, isTrustedSender } from './security';
import { utilityProcessTransport } from './utility-transport';

const RENDERER_DEV_URL = process.env.ELECTRON_RENDERER_URL;
const RENDERER_FILE = path.join(__dirname, '../renderer/index.html');
const RENDERER_URL = RENDERER_DEV_URL ?? pathToFileURL(RENDERER_FILE).href;

let window: BrowserWindow | null = null;
/** What the user chose in a dialog or dropped this session: the only paths the service opens. */
const fileGrants = new FileGrants();
/** The hidden windows printing reports: they may call the API too (getReport, thumbnail). */
const reportContents = new Set<WebContents>();

/** How long a report may take to draw, and to print (ms). */
const REPORT_DRAW_TIMEOUT = 60_000;
const REPORT_PRINT_TIMEOUT = 60_000;

/** The same secure preferences as the main window. */
function webPreferences(): Electron.WebPreferences {
  return {
    preload: path.join(__dirname, '../preload/index.cjs'),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
  };
}

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
  if (isTrustedSender(event.senderFrame, window?.webContents ?? null, RENDERER_URL)) return true;
  for (const contents of reportContents) {
    if (isTrustedSender(event.senderFrame, contents, RENDERER_URL)) return true;
  }
  return false;
}

/** Only the main window may save files or open dialogs. */
function fromMainWindow(event: IpcMainInvokeEvent): boolean {
  return isTrustedSender(event.senderFrame, window?.webContents ?? null, RENDERER_URL);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Prints a finished audit's report to a PDF the user names: the renderer's `#report=<id>` view in a
 * hidden window, printed once it says its charts and thumbnails are drawn. Null when the user cancels.
 */
async function exportPdf(
  service: AppService,
  auditId: string,
  pageSize: ReportPageSize,
): Promise<string | null> {
  const report = service.auditReport(auditId);
  if (!report)
    throw new Error(`The audit ${auditId} is no longer kept; run it again to export it.`);
  if (!window) return null;
  const result = await dialog.showSaveDialog(window, {
    title: 'Export PDF',
    defaultPath: pdfFileName(report),
    filters: [{ name: 'PDF', extensions: ['pdf'] }],
  });
  const target = result.canceled ? undefined : result.filePath;
  if (!target) return null;

  const reportId = service.registerReport(report);
  const printer = new BrowserWindow({
    show: false,
    width: 800,
    height: 1100,
    webPreferences: webPreferences(),
  });
  const contents = printer.webContents;
  reportContents.add(contents);
  try {
    const hash = `report=${encodeURIComponent(reportId)}`;
    const loaded = RENDERER_DEV_URL
      ? printer.loadURL(`${RENDERER_DEV_URL}#${hash}`)
      : printer.loadFile(RENDERER_FILE, { hash });
    // A page that never loads, or stops answering, fails like one that is never drawn.
    await withTimeout(
      loaded.then(() => waitForReport(contents)),
      REPORT_DRAW_TIMEOUT + 5_000,
      `The report page was not drawn within ${REPORT_DRAW_TIMEOUT / 1000} s; nothing was saved.`,
    );
    const pdf = await withTimeout(
      contents.printToPDF({
        pageSize,
        printBackground: true,
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: REPORT_FOOTER_TEMPLATE,
        // printToPDF takes inches.
        margins: {
          top: REPORT_MARGINS_MM.top / 25.4,
          bottom: REPORT_MARGINS_MM.bottom / 25.4,
          left: REPORT_MARGINS_MM.left / 25.4,
          right: REPORT_MARGINS_MM.right / 25.4,
        },
      }),
      REPORT_PRINT_TIMEOUT,
      `Printing the report took longer than ${REPORT_PRINT_TIMEOUT / 1000} s.`,
    );
    await writeFile(target, pdf);
    return target;
  } finally {
    reportContents.delete(contents);
    if (!printer.isDestroyed()) printer.destroy();
  }
}

/** Polls the report page until it says it is drawn (or failed), for at most REPORT_DRAW_TIMEOUT. */
async function waitForReport(contents: WebContents): Promise<void> {
  const deadline = Date.now() + REPORT_DRAW_TIMEOUT;
  for (;;) {
    const state = (await contents.executeJavaScript(
      'JSON.stringify([document.documentElement.dataset.reportReady ?? null, document.documentElement.dataset.reportError ?? null])',
    )) as string;
    const [ready, failure] = JSON.parse(state) as [string | null, string | null];
    if (failure !== null) throw new Error(`The report page failed: ${failure}`);
    if (ready === 'true') return;
    if (Date.now() > deadline) {
      throw new Error(
        `The report page was not drawn within ${REPORT_DRAW_TIMEOUT / 1000} s; nothing was saved.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
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
  return chosen ? fileGrants.grantInput(chosen) : null;
}

async function chooseFolder(title: string): Promise<InputRef | null> {
  if (!window) return null;
  const result = await dialog.showOpenDialog(window, { title, properties: ['openDirectory'] });
  const chosen = result.canceled ? undefined : result.filePaths[0];
  return chosen ? fileGrants.grantInput(chosen) : null;
}

/** Copies the staged fine-tuned model into a folder the user picks; null when they cancel. */
async function exportFinetunedModel(
  service: AppService,
  finetuneId: string,
  arm: string,
): Promise<string | null> {
  const staged = service.finetunedModelFolder(finetuneId, arm);
  if (!staged) throw new Error(`This fine-tune has no exported model for the ${arm} arm.`);
  if (!window) return null;
  const result = await dialog.showOpenDialog(window, {
    title: 'Export Fine-tuned Model To',
    properties: ['openDirectory', 'createDirectory'],
  });
  const parent = result.canceled ? undefined : result.filePaths[0];
  if (!parent) return null;
  const name = arm === 'smoothed' ? 'finetuned-model' : `calibrated-model-${arm}`;
  const target = path.join(parent, `${name}-${finetuneId}`);
  await cp(staged, target, { recursive: true, errorOnExist: true, force: false });
  await service.recordExport(finetuneId, target);
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
        {
          label: 'History',
          // Cmd+H hides the app on macOS; browsers there use Cmd+Y for history.
          accelerator: process.platform === 'darwin' ? 'Cmd+Y' : 'Ctrl+H',
          click: () => send(IPC.hostCommand, { type: 'history' }),
        },
        { type: 'separator' },
        {
          label: 'Export PDF…',
          accelerator: 'CmdOrCtrl+P',
          click: () => send(IPC.hostCommand, { type: 'export-pdf' }),
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
    return settle(async () => handler(...checkCallArgs(method, args)));
  });
  ipcMain.handle(IPC.grantDrop, (event, paths: unknown) => {
    if (!fromMainWindow(event))
      return { ok: false, error: { kind: 'internal', message: 'Untrusted sender.' } };
    return settle(() => fileGrants.grantDrop(paths));
  });
  ipcMain.handle(IPC.exportFinetunedModel, (event, finetuneId: string, arm: unknown) => {
    if (!fromMainWindow(event))
      return { ok: false, error: { kind: 'internal', message: 'Untrusted sender.' } };
    return settle(() =>
      exportFinetunedModel(
        service,
        String(finetuneId),
        arm === undefined ? 'smoothed' : String(arm),
      ),
    );
  });
  ipcMain.handle(IPC.exportPdf, (event, auditId: string, pageSize: ReportPageSize) => {
    if (!fromMainWindow(event))
      return { ok: false, error: { kind: 'internal', message: 'Untrusted sender.' } };
    return settle(() =>
      exportPdf(service, String(auditId), pageSize === 'Letter' ? 'Letter' : 'A4'),
    );
  });
  ipcMain.handle(IPC.chooseInput, (event, purpose: InputPurpose) => {
    if (!fromMainWindow(event))
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
    webPreferences: webPreferences(),
  });
  window.once('ready-to-show', () => window?.show());
  window.on('closed', () => {
    window = null;
  });
  if (RENDERER_DEV_URL) void window.loadURL(RENDERER_DEV_URL);
  else void window.loadFile(RENDERER_FILE);
}

app.whenReady().then(async () => {
  hardenApp();
  const engine = new EngineClient(
    utilityProcessTransport(path.join(__dirname, 'engine-process.cjs')),
  );
  // A history that cannot be opened leaves the app working; the history view says why.
  const history = await AppHistory.open(path.join(app.getPath('userData'), 'history.sqlite'));
  const service = createAppService({
    engine,
    demo: demoInputs(resourcesDir()),
    emit: (event) => send(IPC.hostEvent, event),
    stagingDir: path.join(app.getPath('userData'), 'finetuned-models'),
    history,
    grants: fileGrants,
  });
  registerIpc(service);
  buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('will-quit', () => {
    void engine.close();
    void history.close();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
