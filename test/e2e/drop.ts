import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';

export interface DroppedFile {
  name: string;
  bytes: Buffer;
}

/** Reads files from disk as a user's drop would carry them. */
export async function filesOf(folder: string, names?: string[]): Promise<DroppedFile[]> {
  const chosen = names ?? (await readdir(folder)).sort();
  return Promise.all(
    chosen.map(async (name) => ({ name, bytes: await readFile(path.join(folder, name)) })),
  );
}

/**
 * Drops files on an element the way the browser delivers a drop: a real DataTransfer holding File
 * objects, dispatched as dragenter, dragover and drop.
 */
export async function dropFiles(page: Page, selector: string, files: DroppedFile[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    (items) => {
      const transfer = new DataTransfer();
      for (const item of items) {
        const binary = atob(item.base64);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
        transfer.items.add(new File([bytes], item.name));
      }
      return transfer;
    },
    files.map((file) => ({ name: file.name, base64: file.bytes.toString('base64') })),
  );
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await page.dispatchEvent(selector, type, { dataTransfer });
  }
}
