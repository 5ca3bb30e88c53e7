import { parseArgs } from 'node:util';
import { UsageError, integer } from './args';

export type HistoryArgs = {
  command: 'history';
  /** The database file; undefined means defaultHistoryPath(). */
  db?: string;
} & (
  | { action: 'list'; modelFingerprint?: string; datasetFingerprint?: string }
  | { action: 'show'; id: number; jsonFile?: string }
  | {
      action: 'compare';
      a: number;
      b: number;
      jsonFile?: string;
      bootstrapResamples?: number;
      seed?: number;
    }
  | { action: 'trend'; modelFingerprint: string }
  | { action: 'rename'; id: number; name: string }
  | { action: 'delete'; id: number }
);

const ACTIONS = ['list', 'show', 'compare', 'trend', 'rename', 'delete'] as const;

/** Parses the arguments after `history`; throws a UsageError naming the problem. */
export function parseHistoryCommandLine(args: string[]): HistoryArgs | { command: 'help' } {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        model: { type: 'string' },
        data: { type: 'string' },
        json: { type: 'string' },
        bootstrap: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { command: 'help' };
  const [action, ...operands] = positionals;
  if (action === undefined) {
    throw new UsageError(`history needs one of ${ACTIONS.join(', ')}.`);
  }
  const db = values.db as string | undefined;
  const json = values.json as string | undefined;
  const allow = (...flags: string[]) => {
    for (const flag of ['model', 'data', 'json', 'bootstrap', 'seed']) {
      if (values[flag] !== undefined && !flags.includes(flag)) {
        throw new UsageError(`history ${action} does not take --${flag}.`);
      }
    }
  };
  const arity = (n: number, what: string) => {
    if (operands.length !== n) throw new UsageError(`history ${action} needs ${what}.`);
  };
  switch (action) {
    case 'list':
      allow('model', 'data');
      arity(0, 'no operands (filter with --model and --data)');
      return {
        command: 'history',
        action,
        db,
        modelFingerprint: values.model as string | undefined,
        datasetFingerprint: values.data as string | undefined,
      };
    case 'show':
      allow('json');
      arity(1, 'an audit ID');
      return { command: 'history', action, db, id: auditId(operands[0]), jsonFile: json };
    case 'compare':
      allow('json', 'bootstrap', 'seed');
      arity(2, 'two audit IDs');
      return {
        command: 'history',
        action,
        db,
        a: auditId(operands[0]),
        b: auditId(operands[1]),
        jsonFile: json,
        bootstrapResamples: integer('--bootstrap', values.bootstrap, 0, 100_000),
        seed: integer('--seed', values.seed, 0, 2 ** 32 - 1),
      };
    case 'trend':
      allow();
      arity(1, 'a model fingerprint');
      return { command: 'history', action, db, modelFingerprint: operands[0] };
    case 'rename':
      allow();
      arity(2, 'an audit ID and a name');
      if (operands[1].trim() === '') throw new UsageError('history rename needs a non-empty name.');
      return { command: 'history', action, db, id: auditId(operands[0]), name: operands[1] };
    case 'delete':
      allow();
      arity(1, 'an audit ID');
      return { command: 'history', action, db, id: auditId(operands[0]) };
    default:
      throw new UsageError(
        `Unknown history command '${action}'; use one of ${ACTIONS.join(', ')}.`,
      );
  }
}

function auditId(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id < 1) {
    throw new UsageError(`An audit ID is a whole number from 1 (got '${text}').`);
  }
  return id;
}
