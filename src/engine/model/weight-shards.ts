import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { InputError } from '../input-error';
import type { ModelJsonFile } from './model-json';

const BYTES_PER_VALUE: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  complex64: 8,
};

export interface WeightShard {
  file: string;
  size: number;
}

/**
 * Checks every shard the manifest names before anything is read: the path stays inside the model
 * folder, the file exists, and the shards hold at least the bytes the weight specs declare.
 */
export async function checkWeightShards(model: ModelJsonFile): Promise<WeightShard[]> {
  const shards: WeightShard[] = [];
  const manifest = model.json.weightsManifest as unknown[];
  for (const [groupIndex, group] of manifest.entries()) {
    const { paths, weights } = checkGroup(model.file, group, groupIndex);
    const groupShards: WeightShard[] = [];
    for (const relative of paths) {
      const file = resolveInside(model, relative);
      const info = await stat(file).catch(() => null);
      if (!info || !info.isFile()) {
        throw new InputError(
          file,
          `is missing: ${path.basename(model.file)} lists it as a weight file.`,
        );
      }
      await checkRealPathInside(model, relative, file);
      groupShards.push({ file, size: info.size });
    }
    const declared = weights.reduce((sum, spec) => sum + declaredBytes(model.file, spec), 0);
    const held = groupShards.reduce((sum, shard) => sum + shard.size, 0);
    if (held < declared) {
      const json = path.basename(model.file);
      const holder =
        groupShards.length === 1
          ? `it holds ${held} bytes`
          : `the weight files ${groupShards.map((s) => path.basename(s.file)).join(', ')} hold ${held} bytes together`;
      throw new InputError(
        groupShards[0]?.file ?? model.file,
        `is too short: ${holder} but ${json} declares ${declared} for its weights.`,
      );
    }
    shards.push(...groupShards);
  }
  return shards;
}

/** Reads the shards (already checked) and returns the specs and the concatenated weight bytes. */
export async function readWeightShards(
  model: ModelJsonFile,
  shards: WeightShard[],
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs = (model.json.weightsManifest as tf.io.WeightsManifestConfig).flatMap(
    (g) => g.weights,
  );
  const total = shards.reduce((sum, s) => sum + s.size, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const shard of shards) {
    const bytes = await readFile(shard.file);
    data.set(bytes, offset);
    offset += bytes.length;
  }
  return [specs, data.buffer];
}

function checkGroup(
  file: string,
  group: unknown,
  index: number,
): { paths: string[]; weights: tf.io.WeightsManifestEntry[] } {
  const g = group as { paths?: unknown; weights?: unknown };
  const valid =
    typeof group === 'object' &&
    group !== null &&
    Array.isArray(g.paths) &&
    g.paths.every((p) => typeof p === 'string') &&
    Array.isArray(g.weights);
  if (!valid) {
    throw new InputError(
      file,
      `has a malformed weightsManifest entry ${index} (needs paths and weights).`,
    );
  }
  return { paths: g.paths as string[], weights: g.weights as tf.io.WeightsManifestEntry[] };
}

function resolveInside(model: ModelJsonFile, relative: string): string {
  const escapes =
    relative.includes('\0') ||
    /^[a-z][a-z0-9+.-]*:/i.test(relative) ||
    path.isAbsolute(relative) ||
    path.win32.isAbsolute(relative);
  const file = path.resolve(model.folder, relative);
  const inside = path.relative(model.folder, file);
  if (escapes || inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new InputError(
      model.file,
      `names the weight file '${relative}', which is outside the model folder; refused.`,
    );
  }
  return file;
}

/**
 * A weight file that is a link (or lies under a linked folder) is held to the same rule as `../`: its
 * real path must be inside the model folder's real path.
 */
async function checkRealPathInside(
  model: ModelJsonFile,
  relative: string,
  file: string,
): Promise<void> {
  const [realFolder, realFile] = await Promise.all([realpath(model.folder), realpath(file)]);
  const inside = path.relative(realFolder, realFile);
  if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
    throw new InputError(
      model.file,
      `names the weight file '${relative}', a link to a file outside the model folder; refused.`,
    );
  }
}

function declaredBytes(file: string, spec: tf.io.WeightsManifestEntry): number {
  const shape = spec?.shape;
  const validShape =
    Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0 && d < 2 ** 31);
  if (!spec || typeof spec.name !== 'string' || !validShape) {
    throw new InputError(
      file,
      `has a malformed weight spec: ${JSON.stringify(spec).slice(0, 120)}.`,
    );
  }
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = BYTES_PER_VALUE[dtype];
  if (bytes === undefined) {
    throw new InputError(
      file,
      `declares the weight '${spec.name}' with unsupported dtype '${dtype}'.`,
    );
  }
  if (dtype === 'string') {
    throw new InputError(
      file,
      `declares the string weight '${spec.name}', which is not supported.`,
    );
  }
  return shape.reduce((a, b) => a * b, 1) * bytes;
}
