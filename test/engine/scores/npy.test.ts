import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NpyDecoder, NpyFormatError, parseNpyHeader } from '../../../src/engine/scores/npy';

const ARRAYS = path.resolve('test/fixtures/scores/arrays');
const expected = JSON.parse(await readFile(path.join(ARRAYS, 'expected.json'), 'utf8')) as Record<
  string,
  { shape: number[]; values: number[] }
>;

async function decode(name: string, target: 'float32' | 'int32', chunkSize = 1 << 20) {
  const bytes = new Uint8Array(await readFile(path.join(ARRAYS, `${name}.npy`)));
  const decoder = new NpyDecoder(target);
  for (let i = 0; i < bytes.length; i += chunkSize) decoder.push(bytes.subarray(i, i + chunkSize));
  return decoder.finish();
}

describe('NpyDecoder', () => {
  it.each(['f2', 'f4', 'be_f8', 'fortran_f8', 'v2', 'scalar'])(
    'reads %s as numpy wrote it (C order, float32)',
    async (name) => {
      const { header, data } = await decode(name, 'float32');
      expect(header.shape).toEqual(expected[name].shape);
      expect(Array.from(data)).toEqual(expected[name].values.map((v) => Math.fround(v)));
    },
  );

  it.each(['i8', 'be_i2', 'u1', 'b1'])('reads %s as int32', async (name) => {
    const { data } = await decode(name, 'int32');
    expect(Array.from(data)).toEqual(expected[name].values);
  });

  it('gives the same array whatever the chunk boundaries (1, 3 and 7 bytes at a time)', async () => {
    for (const size of [1, 3, 7]) {
      expect(Array.from((await decode('be_f8', 'float32', size)).data)).toEqual(
        Array.from((await decode('be_f8', 'float32')).data),
      );
      expect(Array.from((await decode('fortran_f8', 'float32', size)).data)).toEqual(
        expected.fortran_f8.values.map((v) => Math.fround(v)),
      );
    }
  });

  it('refuses integers beyond int32 and floats that are not whole where labels are expected', async () => {
    await expect(decode('too_big_i8', 'int32')).rejects.toThrow(/1099511627776 at index 1/);
    await expect(decode('f4', 'int32')).rejects.toThrow(/0\.25 at index 0.*integer class index/);
  });

  it('refuses structured and string arrays, and booleans as scores, with what to do', async () => {
    await expect(decode('structured', 'float32')).rejects.toThrow(/structured .*np\.savez/);
    await expect(decode('strings', 'float32')).rejects.toThrow(/dtype '<U2'/);
    await expect(decode('b1', 'float32')).rejects.toThrow(NpyFormatError);
  });

  it('says when the data ends early or runs on', async () => {
    const bytes = new Uint8Array(await readFile(path.join(ARRAYS, 'f4.npy')));
    const short = new NpyDecoder('float32');
    short.push(bytes.subarray(0, bytes.length - 4));
    expect(() => short.finish()).toThrow(/ends after 5 of the 6 elements/);
    const long = new NpyDecoder('float32');
    expect(() => long.push(new Uint8Array([...bytes, 0, 0, 0, 0]))).toThrow(/more elements/);
    expect(() => new NpyDecoder('float32').finish()).toThrow(/inside its .npy header/);
  });

  it('tells a file that is not .npy at its first byte, without printing the bytes', () => {
    expect(() => parseNpyHeader(new TextEncoder().encode('PK\x03\x04'))).toThrow(
      /not a NumPy .npy array/,
    );
    expect(parseNpyHeader(new Uint8Array([0x93, 0x4e]))).toBeNull();
  });
});
