import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileGrants, isInside } from '../../src/host/file-grants';
import { tempDir } from '../helpers/temp-dir';

let dir: string;
let outside: string;

beforeAll(async () => {
  dir = await tempDir();
  outside = await tempDir();
  await mkdir(path.join(dir, 'chosen', 'model'), { recursive: true });
  await writeFile(path.join(dir, 'chosen', 'model', 'model.json'), '{}');
  await writeFile(path.join(dir, 'sibling.csv'), 'label\n1\n');
  await writeFile(path.join(outside, 'secret.csv'), 'root:x:0:0\n');
  await symlink(outside, path.join(dir, 'chosen', 'link-out'));
  await symlink(path.join(dir, 'chosen', 'model'), path.join(dir, 'link-to-model'));
});

describe('FileGrants', () => {
  it('opens a granted folder and what is inside it, nothing beside it', async () => {
    const grants = new FileGrants();
    await grants.grant(path.join(dir, 'chosen'));
    expect(await grants.check({ path: path.join(dir, 'chosen', 'model') })).toBe(
      path.join(dir, 'chosen', 'model'),
    );
    expect(await grants.isGranted(path.join(dir, 'chosen', 'model', 'model.json'))).toBe(true);
    expect(await grants.isGranted(path.join(dir, 'sibling.csv'))).toBe(false);
    expect(await grants.isGranted(path.join(dir, 'chosen', '..', 'sibling.csv'))).toBe(false);
    expect(await grants.isGranted(`${path.join(dir, 'chosen')}-twin`)).toBe(false);
  });

  it('refuses with one line that names the path and quotes nothing of the file', async () => {
    const grants = new FileGrants();
    const error = await grants
      .check({ path: '/etc/passwd\nforged line', label: 'x' })
      .catch((e) => e);
    expect(error.message).toBe(
      '/etc/passwd\\u000aforged line: was not opened in this window (drop it, or choose it with Open…); refused.',
    );
    for (const bad of [null, 'path', { path: 3 }, { path: '' }, { path: 'a\0b' }]) {
      await expect(grants.check(bad), JSON.stringify(bad)).rejects.toThrow(/^request: /);
    }
  });

  it('does not follow a symlink inside a granted folder out of it', async () => {
    const grants = new FileGrants();
    await grants.grant(path.join(dir, 'chosen'));
    expect(await grants.isGranted(path.join(dir, 'chosen', 'link-out', 'secret.csv'))).toBe(false);
  });

  it('opens a granted symlink as what it points to', async () => {
    const grants = new FileGrants();
    await grants.grant(path.join(dir, 'link-to-model'));
    expect(await grants.isGranted(path.join(dir, 'link-to-model', 'model.json'))).toBe(true);
    expect(await grants.isGranted(path.join(dir, 'chosen', 'model'))).toBe(false);
  });

  it('grants a drop: one item as it is, several files as their folder', async () => {
    const grants = new FileGrants();
    const one = await grants.grantDrop([path.join(dir, 'sibling.csv')]);
    expect(one).toEqual({ path: path.join(dir, 'sibling.csv'), label: 'sibling.csv' });
    const several = await grants.grantDrop([
      path.join(dir, 'chosen', 'model', 'model.json'),
      path.join(dir, 'chosen', 'model', 'shard.bin'),
    ]);
    expect(several).toEqual({
      path: path.join(dir, 'chosen', 'model'),
      label: 'model',
      items: [
        path.join(dir, 'chosen', 'model', 'model.json'),
        path.join(dir, 'chosen', 'model', 'shard.bin'),
      ],
    });
    expect(await grants.isGranted(path.join(dir, 'chosen', 'model', 'model.json'))).toBe(true);
    // Files the page made itself have no path (webUtils gives ''): nothing is granted.
    await expect(grants.grantDrop(['', ''])).rejects.toThrow(/^drop: nothing that is a file/);
    await expect(grants.grantDrop('not a list')).rejects.toThrow(/^drop: /);
  });

  it('tells inside from beside', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/..c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
  });
});
