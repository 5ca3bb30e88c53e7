import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/storage';
import {
  compactSamples,
  decodeIds,
  decodeSamples,
  encodeIds,
  encodeSamples,
  float32FromBlob,
  numbersToBlob,
} from '../../src/storage/sample-blobs';
import { Connection } from '../../src/storage/sqlite';
import { tempDir } from '../helpers/temp-dir';
import { syntheticAudit } from './fixtures';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('calibration-audit-blobs-');
});

describe('per-sample BLOB layouts', () => {
  it('int32 and float32 little-endian, 4 bytes a value', () => {
    expect(numbersToBlob(Int32Array.of(1, 258, -1)).toString('hex')).toBe(
      '01000000' + '02010000' + 'ffffffff',
    );
    expect(numbersToBlob(Float32Array.of(1, 0.5, NaN)).toString('hex')).toBe(
      '0000803f' + '0000003f' + '0000c07f',
    );
  });

  it('ids: UTF-8, each followed by one NUL byte', () => {
    const blob = encodeIds(['a', 'bé', 'row:3', '']);
    expect(blob.toString('hex')).toBe('6100' + '62c3a900' + '726f773a3300' + '00');
    expect(decodeIds(blob)).toEqual(['a', 'bé', 'row:3', '']);
    expect(decodeIds(Buffer.alloc(0))).toEqual([]);
    expect(() => encodeIds(['a\0b'])).toThrow(/NUL/);
  });

  it('derive the compact arrays from labels, probabilities and logits', () => {
    const probs = Float32Array.of(0.7, 0.2, 0.1, 0.3, 0.3, 0.4);
    const logits = Float32Array.of(2, 1, 0, 0, 0, 0.5);
    const samples = compactSamples(['x', 'y'], Int32Array.of(0, 1), probs, logits, 3);
    expect(Array.from(samples.predictions)).toEqual([0, 2]);
    expect(Array.from(samples.confidence)).toEqual([Math.fround(0.7), Math.fround(0.4)]);
    expect(Array.from(samples.trueClassProb)).toEqual([Math.fround(0.7), Math.fround(0.3)]);
    expect(Array.from(samples.logitGap ?? [])).toEqual([1, 0.5]);
    expect(compactSamples(['x'], Int32Array.of(0), Float32Array.of(1), null, 1).logitGap).toBe(
      null,
    );
    const decoded = decodeSamples(encodeSamples(samples), 2, 3);
    expect(decoded).toEqual(samples);
  });

  it('refuse a BLOB whose size does not match its row', () => {
    expect(() => float32FromBlob(Buffer.alloc(7), 2, 'confidences')).toThrow(
      'its confidences hold 7 bytes, expected 8',
    );
  });

  it('are what the database holds, and a cut BLOB reads as a damaged record', async () => {
    const file = path.join(dir, 'layout.sqlite');
    const result = syntheticAudit({ n: 3, k: 2, bootstrapResamples: 0 });
    const history = await openHistory(file);
    const id = await history.saveAudit(result);
    await history.close();

    const connection = await Connection.open(file, false);
    try {
      const row = await connection.get<Record<string, string | number>>(
        `SELECT sample_count, class_count, hex(ids) AS ids, hex(labels) AS labels,
           hex(probs) AS probs, length(logits) AS logits_bytes, length(predictions) AS p_bytes,
           length(confidence) AS c_bytes, length(true_class_prob) AS t_bytes,
           length(logit_gap) AS g_bytes
         FROM audit_samples WHERE audit_id = ?`,
        [id],
      );
      const { labels, probs } = result.samples;
      expect(row).toEqual({
        sample_count: 3,
        class_count: 2,
        ids: Buffer.from('row:1\0row:2\0row:3\0').toString('hex').toUpperCase(),
        labels: numbersToBlob(labels).toString('hex').toUpperCase(),
        probs: numbersToBlob(probs).toString('hex').toUpperCase(),
        logits_bytes: 24,
        p_bytes: 12,
        c_bytes: 12,
        t_bytes: 12,
        g_bytes: 12,
      });
      await connection.run('UPDATE audit_samples SET probs = substr(probs, 1, 20)');
    } finally {
      await connection.close();
    }
    const reopened = await openHistory(file);
    try {
      await expect(reopened.getAudit(id)).rejects.toThrow(
        `is damaged: a stored record is cut short (audit #${id}: its probabilities hold 20 bytes, expected 24).`,
      );
    } finally {
      await reopened.close();
    }
  });
});
