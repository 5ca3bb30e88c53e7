import { InputError } from '../engine/input-error';
import type { IpcCall } from '../shared/ipc';

/** What one argument of a call must be. */
type ArgKind =
  | 'id'
  | 'historyId'
  | 'name'
  | 'fingerprint'
  | 'input'
  | 'optionalName'
  | 'purpose'
  | 'auditSettings'
  | 'finetuneSettings';

/**
 * The arguments each call takes, checked before the service sees them, so that a missing, null or
 * wrong-typed argument is the caller's mistake (an InputError: HTTP 400), never a fault inside the
 * service (500). Both hosts check with this table: Electron's IPC handler and the browser host.
 */
export const CALL_ARGS: Record<IpcCall | 'finishUpload', readonly ArgKind[]> = {
  demo: [],
  inspectModel: ['input'],
  inspectTestSet: ['input', 'input', 'optionalName'],
  previewCsv: ['input', 'input', 'optionalName'],
  cancelInspect: ['input'],
  sortDrop: ['input'],
  startAudit: ['auditSettings'],
  cancelAudit: ['id'],
  thumbnail: ['input', 'input', 'id'],
  sampleDetail: ['id', 'id'],
  startFinetune: ['finetuneSettings'],
  cancelFinetune: ['id'],
  comparePostHoc: ['id'],
  getReport: ['id'],
  saveAuditAgain: ['id'],
  saveFinetuneAgain: ['id'],
  engineBackend: [],
  scoreFileFormat: ['input'],
  historyStatus: [],
  reopenHistory: [],
  listAudits: [],
  openSavedAudit: ['historyId'],
  renameAudit: ['historyId', 'name'],
  deleteAudit: ['historyId'],
  compareAudits: ['historyId', 'historyId'],
  auditTrend: ['fingerprint'],
  listFinetunes: [],
  openSavedFinetune: ['historyId'],
  renameFinetune: ['historyId', 'name'],
  deleteFinetune: ['historyId'],
  finishUpload: ['id', 'purpose'],
};

const MAX_ID_CHARS = 200;
const MAX_NAME_CHARS = 1000;

/** The arguments, checked against CALL_ARGS; an InputError naming the call and the argument otherwise. */
export function checkCallArgs(method: IpcCall | 'finishUpload', args: unknown): unknown[] {
  const kinds = CALL_ARGS[method];
  if (!kinds)
    throw new InputError('request', `calls ${String(method).slice(0, 40)}, which is unknown.`);
  if (!Array.isArray(args)) throw new InputError('request', 'must be a JSON array of arguments.');
  if (args.length > kinds.length) {
    throw new InputError(
      'request',
      `${method} takes ${kinds.length} argument${kinds.length === 1 ? '' : 's'}, not ${args.length}.`,
    );
  }
  kinds.forEach((kind, i) => {
    const problem = checkArg(kind, args[i]);
    if (problem) throw new InputError('request', `${method}: argument ${i + 1} ${problem}.`);
  });
  return args;
}

function checkArg(kind: ArgKind, value: unknown): string | null {
  switch (kind) {
    case 'id':
      return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_CHARS
        ? null
        : 'must be an id (a non-empty string)';
    case 'historyId':
      return Number.isSafeInteger(value) && (value as number) >= 1
        ? null
        : 'must be a history id (a positive whole number)';
    case 'optionalName':
      if (value === undefined || value === null) return null;
      return typeof value === 'string' && value.length <= MAX_NAME_CHARS
        ? null
        : `must be a name (a string of at most ${MAX_NAME_CHARS} characters) when given`;
    case 'name':
      return typeof value === 'string' && value.length <= MAX_NAME_CHARS
        ? null
        : `must be a name (a string of at most ${MAX_NAME_CHARS} characters)`;
    case 'fingerprint':
      return typeof value === 'string' && /^[0-9a-f]{1,64}$/i.test(value)
        ? null
        : 'must be a fingerprint (hexadecimal)';
    case 'purpose':
      return value === 'model' || value === 'testSet' ? null : "must be 'model' or 'testSet'";
    case 'input':
      return inputProblem(value);
    case 'auditSettings':
    case 'finetuneSettings':
      return settingsProblem(kind, value);
  }
}

function inputProblem(value: unknown): string | null {
  const ref = value as { path?: unknown; label?: unknown } | null;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be an input ({ path, label })';
  if (typeof ref?.path !== 'string' || ref.path.length === 0)
    return "must be an input with a 'path' string";
  if (ref.label !== undefined && typeof ref.label !== 'string')
    return "has a 'label' that is not a string";
  const items = (value as { items?: unknown }).items;
  if (
    items !== undefined &&
    !(
      Array.isArray(items) &&
      items.length <= 10_000 &&
      items.every((i) => typeof i === 'string' && i.length > 0)
    )
  )
    return "has 'items' that are not a list of paths";
  return null;
}

const NUMBER_FIELDS = ['bins', 'bootstrapResamples', 'seed', 'epochs', 'batchSize', 'learningRate'];

function settingsProblem(
  kind: 'auditSettings' | 'finetuneSettings',
  value: unknown,
): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be an object of settings';
  const settings = value as Record<string, unknown>;
  // A score file is audited on its own (no model, no test set); see ScoreFileAuditSettings.
  const scoreFile = kind === 'auditSettings' && settings.scores !== undefined;
  if (scoreFile) {
    const problem = inputProblem(settings.scores);
    if (problem) return `has a 'scores' that ${problem.replace(/^must be/, 'is not')}`;
    const names = settings.classNames;
    if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string')))
      return "has a 'classNames' that is not a list of strings";
  }
  for (const field of scoreFile ? [] : (['model', 'testSet'] as const)) {
    const problem = inputProblem(settings[field]);
    if (problem) return `has a '${field}' that ${problem.replace(/^must be/, 'is not')}`;
  }
  for (const field of NUMBER_FIELDS) {
    const v = settings[field];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
      return `has a '${field}' that is not a finite number`;
  }
  for (const field of ['scaling', 'labelColumn', 'layers', 'fromAudit']) {
    const v = settings[field];
    if (v !== undefined && typeof v !== 'string') return `has a '${field}' that is not a string`;
  }
  if (kind === 'finetuneSettings') {
    if (settings.trainSet !== undefined && settings.trainSet !== null) {
      const problem = inputProblem(settings.trainSet);
      if (problem) return `has a 'trainSet' that ${problem.replace(/^must be/, 'is not')}`;
    }
    const alpha = settings.alpha;
    const alphas = Array.isArray(alpha) ? alpha : [alpha];
    if (alphas.length === 0 || !alphas.every((a) => typeof a === 'number' && Number.isFinite(a)))
      return "has an 'alpha' that is not a number or a list of numbers";
  }
  return null;
}
