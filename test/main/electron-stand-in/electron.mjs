/**
 * A stand-in for the parts of Electron's API the main process uses, for the main-process test.
 * It records what the main process does and lets the test (the parent process, over Node's IPC)
 * act as the window: invoke IPC handlers with the window's frame as sender, receive what the main
 * process sends to the window. `utilityProcess.fork` forks a plain Node child with the
 * `process.parentPort` of a utility process, so the real engine bundle runs in it. The test can
 * also click a menu item by its label.
 */
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';

const handlers = new Map();
const windows = [];
const children = [];

function post(message) {
  process.send?.(message);
}

class WebContents extends EventEmitter {
  constructor() {
    super();
    this.mainFrame = { url: 'about:blank' };
  }
  send(channel, payload) {
    post({ type: 'sent', channel, payload });
  }
  setWindowOpenHandler() {}
  executeJavaScript() {
    return Promise.resolve('[null,null]');
  }
  printToPDF() {
    return Promise.reject(new Error('printToPDF is not available in the stand-in'));
  }
}

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    this.destroyed = false;
    windows.push(this);
  }
  static getAllWindows() {
    return windows.filter((w) => !w.destroyed);
  }
  loadFile(file, options = {}) {
    this.webContents.mainFrame.url =
      pathToFileURL(file).href + (options.hash ? `#${options.hash}` : '');
    post({ type: 'window-loaded', url: this.webContents.mainFrame.url });
    return Promise.resolve();
  }
  loadURL(url) {
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  show() {}
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
  }
}

export const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  whenReady: () => Promise.resolve(),
  getAppPath: () => process.env.STAND_IN_APP_PATH ?? process.cwd(),
  getPath: (name) => {
    if (name !== 'userData') throw new Error(`the stand-in has no path ${name}`);
    return process.env.STAND_IN_USER_DATA;
  },
  quit: () => {
    for (const child of children) child.kill();
    process.exit(0);
  },
});

export const ipcMain = {
  handle(channel, handler) {
    handlers.set(channel, handler);
    post({ type: 'handled', channel });
  },
};

let menuItems = [];

export const Menu = {
  buildFromTemplate: (template) => ({ template }),
  setApplicationMenu(menu) {
    const flatten = (items) => items.flatMap((item) => [item, ...flatten(item.submenu ?? [])]);
    menuItems = flatten(menu.template);
    const labels = (items) =>
      items.flatMap((item) => [
        item.label ?? item.role,
        ...(item.submenu ? labels(item.submenu) : []),
      ]);
    post({ type: 'menu', labels: labels(menu.template).filter(Boolean) });
  },
};

export const dialog = {
  showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }),
  showSaveDialog: () => Promise.resolve({ canceled: true }),
};

export const session = {
  defaultSession: {
    webRequest: { onHeadersReceived() {} },
    setPermissionRequestHandler() {},
  },
};

export const utilityProcess = {
  fork(entry) {
    const child = fork(entry, [], {
      execArgv: ['--import', fileURLToPath(new URL('./parent-port.mjs', import.meta.url))],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    return {
      postMessage: (message) => child.send(message),
      on: (event, listener) => child.on(event, listener),
      kill: () => child.kill(),
    };
  },
};

export const webUtils = { getPathForFile: () => '' };
export const contextBridge = { exposeInMainWorld() {} };
export const ipcRenderer = {};

// The test acts as the window: { id, channel, args, untrusted? } → { type: 'reply', id, value }.
process.on('message', async (message) => {
  if (message?.type === 'click') {
    menuItems.find((item) => item.label === message.label)?.click?.();
    return;
  }
  if (message?.type !== 'invoke') return;
  const window = BrowserWindow.getAllWindows()[0];
  const senderFrame = message.untrusted
    ? { url: 'https://example.com/' }
    : window?.webContents.mainFrame;
  const handler = handlers.get(message.channel);
  try {
    if (!handler) throw new Error(`nothing handles ${message.channel}`);
    post({ type: 'reply', id: message.id, value: await handler({ senderFrame }, ...message.args) });
  } catch (error) {
    post({ type: 'reply', id: message.id, error: String(error) });
  }
});
process.on('exit', () => {
  for (const child of children) child.kill();
});
// Electron's processes end together: the test ends this one by closing its IPC channel.
process.on('disconnect', () => process.exit(0));
