import { app, session, type WebContents, type WebFrameMain } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../shared/csp';

/** Secure defaults for every window: CSP on every response, no navigation away, no new windows. */
export function hardenApp(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
    callback(false),
  );
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

/** IPC is only answered for our own window's top frame, loaded from our own renderer. */
export function isTrustedSender(
  frame: WebFrameMain | null,
  window: WebContents | null,
  rendererUrl: string,
): boolean {
  if (!frame || !window || frame !== window.mainFrame) return false;
  return frame.url.startsWith(rendererUrl);
}
