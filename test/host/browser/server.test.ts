import { request } from 'node:http';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../../src/engine/worker/engine-client';
import { createAppService } from '../../../src/host/app-service';
import { demoInputs } from '../../../src/host/demo-inputs';
import { startBrowserHost, type BrowserHost } from '../../../src/host/browser/server';
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
});
