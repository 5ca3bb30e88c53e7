import { request } from 'node:http';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../../src/engine/worker/engine-client';
import { createAppService } from '../../../src/host/app-service';
import { demoInputs } from '../../../src/host/demo-inputs';
import {
  MAX_CONCURRENT_UPLOADS,
  SECURITY_HEADERS,
  startBrowserHost,
  type BrowserHost,
} from '../../../src/host/browser/server';
import { RESOURCES_DIR } from '../../../src/engine/demo';
import { tempDir } from '../../helpers/temp-dir';
import { saveTinyModel } from '../../helpers/tiny-models';

let host: BrowserHost;
let engine: EngineClient;
let rendererDir: string;
let modelDir: string;

beforeAll(async () => {
  const dir = await tempDir();
  rendererDir = path.join(dir, 'renderer');
  await import('node:fs/promises').then((fs) => fs.mkdir(rendererDir));
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  modelDir = path.join(dir, 'tiny');
  await saveTinyModel(modelDir, { classNames: ['a', 'b', 'c'] });
  engine = new EngineClient();
  host = await startBrowserHost({
    rendererDir,
    createService: (emit, stagingDir) =>
      createAppService({
        engine,
        demo: demoInputs(RESOURCES_DIR),
        stagingDir,
        emit,
      }),
  });
});

afterAll(async () => {
  await host.close();
  await engine.close();
});

function send(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: host.port, method, path: url, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const auth = () => ({ 'X-Token': host.token, 'Content-Type': 'application/json' });

describe('browser host', () => {
  it('listens on 127.0.0.1 and prints a URL with its token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
  });

  it('serves the renderer with a CSP and refuses paths outside it', async () => {
    const page = await send('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect((await send('GET', '/../package.json')).status).toBe(404);
    expect((await send('GET', '/%2e%2e/%2e%2e/package.json')).status).toBe(404);
  });

  it('refuses API calls without the token or with a wrong one', async () => {
    expect((await send('POST', '/api/call/demo', { body: '[]' })).status).toBe(401);
    expect(
      (await send('POST', '/api/call/demo', { headers: { 'X-Token': 'x'.repeat(32) }, body: '[]' }))
        .status,
    ).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin', async () => {
    const rebinding = await send('POST', '/api/call/demo', {
      headers: { ...auth(), Host: `evil.example:${host.port}` },
      body: '[]',
    });
    expect(rebinding.status).toBe(403);
    const foreign = await send('POST', '/api/call/demo', {
      headers: { ...auth(), Origin: 'http://evil.example' },
      body: '[]',
    });
    expect(foreign.status).toBe(403);
  });

  it('answers an API call with the token', async () => {
    const demo = await send('POST', '/api/call/demo', { headers: auth(), body: '[]' });
    expect(demo.status).toBe(200);
    const outcome = JSON.parse(demo.body);
    expect(outcome.ok).toBe(true);
    expect(outcome.value.model.path).toBe(path.join(RESOURCES_DIR, 'demo', 'model'));
  });

  it('refuses upload names that would leave the workspace', async () => {
    for (const name of ['../escape.bin', '/etc/passwd', 'a/../../b', 'a\\..\\b', '']) {
      const response = await send(
        'PUT',
        `/api/upload/abcdefgh1234?path=${encodeURIComponent(name)}`,
        {
          headers: { 'X-Token': host.token },
          body: 'x',
        },
      );
      expect(response.status, name).toBe(400);
      expect(JSON.parse(response.body).error.message).toMatch(/refused/);
    }
  });

  it('takes a dropped model folder into its workspace and inspects it there', async () => {
    const uploadId = 'upload0001abcdef';
    for (const name of await readdir(modelDir)) {
      const response = await send(
        'PUT',
        `/api/upload/${uploadId}?path=${encodeURIComponent(`tiny/${name}`)}`,
        {
          headers: { 'X-Token': host.token },
          body: await readFile(path.join(modelDir, name)),
        },
      );
      expect(response.status).toBe(200);
    }
    const finished = await send('POST', '/api/call/finishUpload', {
      headers: auth(),
      body: JSON.stringify([uploadId, 'model']),
    });
    const ref = JSON.parse(finished.body).value;
    expect(ref.label).toBe('tiny');
    const inspected = await send('POST', '/api/call/inspectModel', {
      headers: auth(),
      body: JSON.stringify([ref]),
    });
    const summary = JSON.parse(inspected.body).value;
    expect(summary.classNames).toEqual(['a', 'b', 'c']);
    expect(summary.numClasses).toBe(3);
  });

  it('returns a readable error naming the file for a broken model', async () => {
    const uploadId = 'upload0002abcdef';
    await send('PUT', `/api/upload/${uploadId}?path=broken/model.json`, {
      headers: { 'X-Token': host.token },
      body: '{"modelTopology": {}, "weightsManifest": [{"paths": ["../../secret.bin"], "weights": []}]}',
    });
    const ref = JSON.parse(
      (
        await send('POST', '/api/call/finishUpload', {
          headers: auth(),
          body: JSON.stringify([uploadId, 'model']),
        })
      ).body,
    ).value;
    const response = await send('POST', '/api/call/inspectModel', {
      headers: auth(),
      body: JSON.stringify([ref]),
    });
    expect(response.status).toBe(400);
    const error = JSON.parse(response.body).error;
    expect(error.kind).toBe('input');
    // Named as the user dropped it, not by its path inside the host's private workspace.
    expect(error.file).toBe('broken/model.json');
    expect(error.message).toBe(
      "broken/model.json: names the weight file '../../secret.bin', which is outside the model folder; refused.",
    );
  });

  it('sends the framing, sniffing and CSP headers on every response', async () => {
    const responses = {
      page: await send('GET', '/'),
      missing: await send('GET', '/no-such-file.js'),
      badPercent: await send('GET', '/%'),
      forbiddenHost: await send('GET', '/', { headers: { Host: 'evil.example' } }),
      noToken: await send('POST', '/api/call/demo', { body: '[]' }),
      call: await send('POST', '/api/call/demo', { headers: auth(), body: '[]' }),
      badJson: await send('POST', '/api/call/demo', { headers: auth(), body: '[' }),
      notFound: await send('GET', '/api/nothing', { headers: auth() }),
      upload: await send('PUT', '/api/upload/abcdefgh9999?path=..', {
        headers: { 'X-Token': host.token },
        body: 'x',
      }),
    };
    for (const [name, response] of Object.entries(responses)) {
      expect(response.headers['x-frame-options'], name).toBe('DENY');
      expect(response.headers['x-content-type-options'], name).toBe('nosniff');
      expect(response.headers['content-security-policy'], name).toMatch(/frame-ancestors 'none'/);
      expect(response.headers['content-security-policy'], name).toMatch(/script-src 'self'/);
    }
    expect(SECURITY_HEADERS['X-Frame-Options']).toBe('DENY');
  });

  it('answers client mistakes with a 4xx and a message, never a 500', async () => {
    const percent = await send('GET', '/%');
    expect(percent.status).toBe(400);
    expect(percent.body).toMatch(/percent-encoding/);
    const cases: [string, string][] = [
      ['demo', '{"not": "json'],
      ['demo', '{"a": 1}'],
      ['inspectModel', '[]'],
      ['inspectModel', '[null]'],
      ['inspectModel', '[{"label": "x"}]'],
      ['inspectTestSet', '[{"path": "/x"}, 7]'],
      ['renameAudit', '[1, 42]'],
      ['renameAudit', '["1", "name"]'],
      ['openSavedAudit', '[null]'],
      ['compareAudits', '[1]'],
      ['startAudit', '[{"model": {"path": "/x"}}]'],
      ['startAudit', '[{"model": {"path": "/x"}, "testSet": {"path": "/y"}, "bins": "15"}]'],
      ['startFinetune', '[{"model": {"path": "/x"}, "testSet": {"path": "/y"}}]'],
      ['cancelAudit', '[{}]'],
      ['finishUpload', '["abcdefgh1234", "weights"]'],
      ['historyStatus', '[1, 2]'],
    ];
    for (const [call, body] of cases) {
      const response = await send('POST', `/api/call/${call}`, { headers: auth(), body });
      expect(response.status, `${call} ${body}`).toBe(400);
      const error = JSON.parse(response.body).error;
      expect(error.kind).toBe('input');
      expect(error.message, `${call} ${body}`).toMatch(/^request: /);
    }
  });

  it('opens only its uploads and the demo: any other path is refused without quoting it', async () => {
    const secret = path.join(modelDir, '..', 'secret.csv');
    await writeFile(secret, 'root:x:0:0:root:/root:/bin/bash\n');
    for (const [call, args] of [
      [
        'inspectTestSet',
        [
          { path: secret, label: 's' },
          { path: modelDir, label: 'm' },
        ],
      ],
      ['inspectModel', [{ path: '/etc/hostname', label: 'h' }]],
      ['inspectModel', [{ path: modelDir, label: 'm' }]],
      ['thumbnail', [{ path: '/etc/passwd', label: 'p' }, { path: modelDir, label: 'm' }, 'x']],
      [
        'startAudit',
        [{ model: { path: modelDir, label: 'm' }, testSet: { path: secret, label: 's' } }],
      ],
    ] as const) {
      const response = await send('POST', `/api/call/${call}`, {
        headers: auth(),
        body: JSON.stringify(args),
      });
      expect(response.status, call).toBe(400);
      const error = JSON.parse(response.body).error;
      expect(error.message, call).toMatch(/was not opened in this window.*refused\.$/);
      expect(response.body).not.toMatch(/root:x/);
      expect(error.message.split('\n')).toHaveLength(1);
    }
    // The demo stays open to everyone with the token.
    const demo = JSON.parse(
      (await send('POST', '/api/call/demo', { headers: auth(), body: '[]' })).body,
    ).value;
    const inspected = await send('POST', '/api/call/inspectModel', {
      headers: auth(),
      body: JSON.stringify([demo.model]),
    });
    expect(inspected.status).toBe(200);
    // A path that climbs out of the workspace through '..' is not inside it.
    const escape = await send('POST', '/api/call/inspectModel', {
      headers: auth(),
      body: JSON.stringify([
        { path: path.join(path.dirname(demo.model.path), '..', '..', 'package.json'), label: 'x' },
      ]),
    });
    expect(escape.status).toBe(400);
  });
});

describe('browser host limits', () => {
  let small: BrowserHost;
  const logged: string[] = [];

  beforeAll(async () => {
    small = await startBrowserHost({
      rendererDir,
      maxUploadBytes: 2000,
      log: (message) => logged.push(message),
      createService: (emit, stagingDir) => {
        const service = createAppService({
          engine,
          demo: demoInputs(RESOURCES_DIR),
          stagingDir,
          emit,
        });
        // A real fault inside the service (not the caller's mistake).
        service.historyStatus = () => Promise.reject(new Error('the disk went away'));
        return service;
      },
    });
  });
  afterAll(() => small.close());

  const put = (uploadId: string, name: string, body: Buffer | string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: small.port,
          method: 'PUT',
          path: `/api/upload/${uploadId}?path=${encodeURIComponent(name)}`,
          headers: { 'X-Token': small.token },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const finish = (uploadId: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: small.port,
          method: 'POST',
          path: '/api/call/finishUpload',
          headers: { 'X-Token': small.token },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify([uploadId, 'testSet']));
    });

  it('answers a real fault with a 500, and logs it', async () => {
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: small.port,
          method: 'POST',
          path: '/api/call/historyStatus',
          headers: { 'X-Token': small.token },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', reject);
      req.end('[]');
    });
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body).error).toEqual({
      kind: 'internal',
      message: 'the disk went away',
    });
    expect(logged.splice(0)).toEqual([
      'calibration-audit serve: internal error: the disk went away',
    ]);
  });

  it('refuses an upload that would take the workspace past its limit, and keeps nothing of it', async () => {
    expect((await put('limit00000001', 'a.csv', 'x'.repeat(1200))).status).toBe(200);
    const refused = await put('limit00000002', 'b.csv', 'y'.repeat(1200));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body).error.message).toMatch(
      /^b\.csv: would take the uploads past 2000 bytes; /,
    );
    // The refused bytes are not counted: a small file still fits.
    expect((await put('limit00000003', 'c.csv', 'z'.repeat(600))).status).toBe(200);
    expect(logged).toEqual([]);
  });

  it('takes at most MAX_CONCURRENT_UPLOADS uploads at once, and says so (429) beyond', async () => {
    const open = Array.from({ length: MAX_CONCURRENT_UPLOADS }, (_, i) => {
      const req = request({
        host: '127.0.0.1',
        port: small.port,
        method: 'PUT',
        path: `/api/upload/busy000000${i}?path=f.csv`,
        headers: { 'X-Token': small.token, 'Transfer-Encoding': 'chunked' },
      });
      const done = new Promise<number>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
      });
      req.write('l');
      return { req, done };
    });
    // Each is being received once the host has read its headers.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await put('busy00000099', 'g.csv', 'x');
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).error).toEqual({
      kind: 'busy',
      message: `${MAX_CONCURRENT_UPLOADS} uploads are already being received; send this file when one has finished.`,
    });
    for (const { req } of open) req.end('abel\n');
    expect(await Promise.all(open.map((o) => o.done))).toEqual(
      new Array(MAX_CONCURRENT_UPLOADS).fill(200),
    );
    expect((await put('busy00000098', 'h.csv', 'x')).status).toBe(200);
  });

  it('deletes uploads nothing needs any more, keeping the newest', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `prune0000000${i}`);
    const refs: { path: string }[] = [];
    for (const id of ids) {
      expect((await put(id, 'd.csv', 'label\n1\n')).status).toBe(200);
      refs.push(JSON.parse((await finish(id)).body).value);
    }
    const { existsSync } = await import('node:fs');
    const kept = refs.map((ref) => existsSync(ref.path));
    expect(kept).toEqual([false, false, false, true, true, true, true]);
  });
});
