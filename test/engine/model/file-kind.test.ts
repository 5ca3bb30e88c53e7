import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeUnopenable, sniffFileKind } from '../../../src/engine/model/file-kind';
import { probeLocation } from '../../../src/engine/model/model-loader';
import { tempDir } from '../../helpers/temp-dir';

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
});

/** A zip local-file header naming `entry` (enough for sniffing; not a whole archive). */
function zipHeader(entry: string): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(entry.length, 26);
  return Buffer.concat([header, Buffer.from(entry, 'latin1'), Buffer.alloc(64, 0xfe)]);
}

const HDF5 = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0xff, 0x01]);

const cases: [string, Buffer | string, string, RegExp][] = [
  ['model.pt', zipHeader('archive/data.pkl'), 'pytorch-zip', /PyTorch checkpoint.*ONNX.*--scores/],
  ['scripted.pt', zipHeader('scripted/constants.pkl'), 'torchscript', /TorchScript.*ONNX/],
  [
    'old.pth',
    Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c]),
    'pickle',
    /pickle.*never unpickles/,
  ],
  ['archive.zip', zipHeader('photos/cat.jpg'), 'zip', /zip archive but not a Keras 3 \.keras/],
  [
    'model-keras.zip',
    zipHeader('config.json'),
    'keras-zip',
    /Keras 3 model archive.*extension \.keras/,
  ],
  ['weights.h5', HDF5, 'hdf5', /HDF5 file but not a Keras model/],
  [
    'model.tflite',
    Buffer.from([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33, 0, 0]),
    'tflite',
    /TensorFlow Lite/,
  ],
  [
    'arch.json',
    '{"class_name": "Sequential", "config": {"layers": []}}',
    'keras-json',
    /to_json\(\)\) without weights/,
  ],
  ['other.json', '{"hello": 1}', 'json', /JSON but not a model/],
  [
    'model.safetensors',
    Buffer.concat([Buffer.from([20, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"w":{}}')]),
    'safetensors',
    /safetensors/,
  ],
  [
    'blob.bin',
    Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]),
    'unknown',
    /not a model file this app recognises \(\.bin\)/,
  ],
  ['empty.h5', Buffer.alloc(0), 'empty', /no content/],
];

describe('describeUnopenable', () => {
  it.each(cases)(
    'names %s by what it is, with a next step, never its bytes',
    async (name, bytes, kind, pattern) => {
      const file = path.join(dir, name);
      await writeFile(file, bytes);
      const location = await probeLocation(file);
      expect(sniffFileKind(location)).toBe(kind);
      const message = describeUnopenable(location);
      expect(message).toMatch(pattern);
      // Printable ASCII only: no raw bytes of the file.
      expect(message).toMatch(/^[\x20-\x7e]+$/);
      expect(message).not.toContain('PK');
    },
  );

  it('names a SavedModel folder', async () => {
    const folder = path.join(dir, 'saved');
    await mkdir(path.join(folder, 'variables'), { recursive: true });
    await writeFile(path.join(folder, 'saved_model.pb'), Buffer.from([0x08, 0x01, 0x12, 0x00]));
    const location = await probeLocation(folder);
    expect(sniffFileKind(location)).toBe('saved-model');
    expect(describeUnopenable(location)).toMatch(/SavedModel.*model\.keras/);
  });
});
