import { describe, expect, it } from 'vitest';
import type { AuditDocument } from '../../../src/shared/audit-document';
import { auditNames, inputName, pixelScaling } from '../../../src/renderer/src/lib/names';

function doc(fields: Record<string, unknown>): AuditDocument {
  return {
    model: { name: 'tm-my-image-model' },
    dataset: {
      path: '/tmp/calibration-audit-workspace-x/abc/t10k-images-idx3-ubyte.gz',
      format: 'idx',
    },
    provenance: { scaling: '0-1' },
    ...fields,
  } as unknown as AuditDocument;
}

describe('display names', () => {
  it('uses the names the user gave, else the model name and the base name (older audits)', () => {
    expect(
      auditNames(doc({ names: { model: 'model', testSet: 'Fashion-MNIST test split' } })),
    ).toEqual({
      model: 'model',
      testSet: 'Fashion-MNIST test split',
    });
    expect(auditNames(doc({}))).toEqual({
      model: 'tm-my-image-model',
      testSet: 't10k-images-idx3-ubyte.gz',
    });
  });

  it('names a model dropped as loose files by its own name', () => {
    expect(inputName('3 dropped files', 'Fashion-MNIST CNN (demo)')).toBe(
      'Fashion-MNIST CNN (demo)',
    );
    expect(inputName('model upload', 'm')).toBe('m');
    expect(inputName('tm-my-image-model', 'other')).toBe('tm-my-image-model');
  });

  it('says no pixel scaling for a CSV or a score file, and writes ranges as ranges', () => {
    expect(pixelScaling(doc({}))).toBe('pixels scaled to [0, 1]');
    expect(pixelScaling(doc({ provenance: { scaling: '-1-1' } }))).toBe('pixels scaled to [−1, 1]');
    expect(pixelScaling(doc({ provenance: { scaling: 'imagenet' } }))).toMatch(/ImageNet's mean/);
    expect(pixelScaling(doc({ dataset: { path: 'x.csv', format: 'csv' } }))).toBeNull();
    expect(
      pixelScaling(
        doc({ dataset: { path: 's.npz', format: 'scores' }, provenance: { scaling: null } }),
      ),
    ).toBeNull();
  });
});
