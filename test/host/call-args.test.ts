import { describe, expect, it } from 'vitest';
import { CALL_ARGS, checkCallArgs } from '../../src/host/call-args';
import { IPC_CALLS } from '../../src/shared/ipc';

const ref = { path: '/m', label: 'm' };

describe('checkCallArgs', () => {
  it('knows every call both hosts serve', () => {
    for (const call of IPC_CALLS) expect(CALL_ARGS[call], call).toBeDefined();
  });

  it('passes well-formed arguments through', () => {
    expect(checkCallArgs('inspectModel', [ref])).toEqual([ref]);
    expect(checkCallArgs('renameAudit', [3, 'new name'])).toEqual([3, 'new name']);
    expect(checkCallArgs('startAudit', [{ model: ref, testSet: ref, bins: 15 }])).toHaveLength(1);
    expect(
      checkCallArgs('startFinetune', [{ model: ref, testSet: ref, alpha: [0.05, 0.1] }]),
    ).toHaveLength(1);
    expect(checkCallArgs('auditTrend', ['ab12'])).toEqual(['ab12']);
    expect(checkCallArgs('historyStatus', [])).toEqual([]);
    // A label column is optional; JSON carries a missing one as null.
    expect(checkCallArgs('previewCsv', [ref, ref])).toEqual([ref, ref]);
    expect(checkCallArgs('previewCsv', [ref, ref, null])).toHaveLength(3);
    expect(checkCallArgs('inspectTestSet', [ref, ref, 'species'])).toHaveLength(3);
    const drop = { ...ref, items: ['/m/a.csv', '/m/model.json'] };
    expect(checkCallArgs('sortDrop', [drop])).toEqual([drop]);
  });

  it.each([
    ['inspectModel', [], /argument 1 must be an input/],
    ['inspectModel', [null], /argument 1 must be an input/],
    ['inspectModel', [{ path: 7 }], /'path' string/],
    ['renameAudit', [1, 42], /argument 2 must be a name/],
    ['renameAudit', ['1', 'x'], /argument 1 must be a history id/],
    ['deleteAudit', [1.5], /history id/],
    ['deleteAudit', [-1], /history id/],
    ['compareAudits', [1], /argument 2/],
    ['startAudit', [{ model: ref }], /'testSet'/],
    ['startAudit', [{ model: ref, testSet: ref, seed: 'x' }], /'seed' that is not a finite number/],
    ['startFinetune', [{ model: ref, testSet: ref }], /'alpha'/],
    ['startFinetune', [{ model: ref, testSet: ref, alpha: 0.1, trainSet: 5 }], /'trainSet'/],
    ['auditTrend', ['not hex!'], /fingerprint/],
    ['cancelAudit', [''], /must be an id/],
    ['finishUpload', ['abc', 'weights'], /'model' or 'testSet'/],
    ['historyStatus', [1], /takes 0 arguments, not 1/],
    ['previewCsv', [ref, ref, 5], /argument 3 must be a name .* when given/],
    ['sortDrop', [{ ...ref, items: [''] }], /'items' that are not a list of paths/],
    ['sortDrop', [{ ...ref, items: 'a' }], /'items' that are not a list of paths/],
  ] as const)('refuses %s(%j) as the caller’s mistake', (call, args, message) => {
    expect(() => checkCallArgs(call, [...args])).toThrow(message);
    expect(() => checkCallArgs(call, [...args])).toThrow(/^request: /);
  });

  it('refuses arguments that are not a list', () => {
    expect(() => checkCallArgs('demo', { 0: 1 })).toThrow(/JSON array/);
  });
});
