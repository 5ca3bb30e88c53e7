/**
 * Which columns of a table (a CSV header, a Parquet schema) hold the label, the sample id and the
 * scores. One rule for every tabular score file:
 * - label: `--label-column`, else the first of label, labels, target, class, y, y_true, true_label;
 * - scores: `p_0..p_{K-1}` (also prob_, proba_, probs_) are probabilities, `logit_0..logit_{K-1}` (also
 *   logits_) are logits; with `--classes a,b,c` the columns named a, b, c (or p_a, logit_a, ...);
 *   without either, every other column is a class-named probability column;
 * - or (Parquet) one list column holding every class's score per row, as pandas, pyarrow and Spark
 *   write arrays: `logits` / `logit` are logits; `probs`, `probabilities`, `proba`, `prob`, `p`,
 *   `scores`, `y_prob`, `y_proba`, or the only list column, probabilities;
 * - id: `id`, `sample_id` or `sample` when there is one (else rows are named by number);
 * - `prediction` and `confidence` (this project's `--predictions` output) are derived and ignored.
 */

export type ScoreKind = 'probabilities' | 'logits';

export interface ScoreColumns {
  label: string;
  id: string | null;
  /** K columns, in class order; or the one list column when `list` is true. */
  scores: string[];
  /** The scores are one list column (K values per row, K read from the data). */
  list?: boolean;
  kind: ScoreKind;
  /** Class names the columns give (class-named columns), else null. */
  classNames: string[] | null;
}

export interface ScoreColumnOptions {
  labelColumn?: string;
  classNames?: string[];
  /** Columns that hold a list of numbers per row (Parquet list<float>); none in a CSV. */
  listColumns?: string[];
}

const LABEL_NAMES = ['label', 'labels', 'target', 'class', 'y', 'y_true', 'true_label'];
const ID_NAMES = ['id', 'sample_id', 'sample'];
const DERIVED = ['prediction', 'predicted', 'confidence', 'pred', 'y_pred'];
const PROBABILITY_PREFIXES = ['p', 'prob', 'proba', 'probs', 'probability'];
const LOGIT_PREFIXES = ['logit', 'logits'];
const LIST_LOGIT_NAMES = ['logits', 'logit'];
const LIST_PROBABILITY_NAMES = [
  'probs',
  'probabilities',
  'probability',
  'proba',
  'prob',
  'p',
  'scores',
  'y_prob',
  'y_proba',
];

/** The columns to read, or a sentence saying why the table is not a score file. */
export function resolveScoreColumns(
  columns: string[],
  options: ScoreColumnOptions = {},
): ScoreColumns | string {
  const find = (name: string) => columns.find((c) => c.toLowerCase() === name.toLowerCase());
  let label: string | undefined;
  if (options.labelColumn !== undefined) {
    label = columns.find((c) => c === options.labelColumn) ?? find(options.labelColumn);
    if (label === undefined) {
      return `has no column '${options.labelColumn}' (columns: ${listColumns(columns)}).`;
    }
  } else {
    label = LABEL_NAMES.map(find).find((c) => c !== undefined);
    if (label === undefined) {
      return `has no label column (label, target, class or y; or name it with --label-column); columns: ${listColumns(columns)}.`;
    }
  }
  const id = ID_NAMES.map(find).find((c) => c !== undefined && c !== label) ?? null;
  const rest = columns.filter((c) => c !== label && c !== id);

  const logits = indexedColumns(rest, LOGIT_PREFIXES);
  if (typeof logits === 'string') return logits;
  const probs = logits ? null : indexedColumns(rest, PROBABILITY_PREFIXES);
  if (typeof probs === 'string') return probs;
  const indexed = logits ?? probs;
  const list = indexed ? null : listColumn(rest, options.listColumns ?? []);
  if (list) {
    return {
      label,
      id,
      scores: [list.column],
      kind: list.kind,
      classNames: options.classNames ?? null,
      list: true,
    };
  }
  if (indexed) {
    const given = options.classNames;
    if (given && given.length !== indexed.length) {
      return `has ${indexed.length} score columns (${indexed[0]}..${indexed[indexed.length - 1]}) but --classes names ${given.length} classes.`;
    }
    return {
      label,
      id,
      scores: indexed,
      kind: logits ? 'logits' : 'probabilities',
      classNames: given ?? null,
    };
  }
  if (options.classNames) {
    const named = classNamedColumns(rest, options.classNames);
    if (typeof named === 'string') return named;
    return { label, id, ...named, classNames: options.classNames };
  }
  const named = rest.filter((c) => !DERIVED.includes(c.toLowerCase()));
  if (named.length < 2) {
    return `has no score columns: expected p_0..p_{K-1}, logit_0..logit_{K-1}, or one column per class (columns: ${listColumns(columns)}).`;
  }
  return { label, id, scores: named, kind: 'probabilities', classNames: named };
}

/** The list column of scores: a known name (logits first), else the only list column. */
function listColumn(
  columns: string[],
  lists: string[],
): { column: string; kind: ScoreKind } | null {
  const candidates = columns.filter((c) => lists.includes(c));
  const named = (names: string[]) =>
    names.map((n) => candidates.find((c) => c.toLowerCase() === n)).find(Boolean);
  const logits = named(LIST_LOGIT_NAMES);
  if (logits) return { column: logits, kind: 'logits' };
  const probs = named(LIST_PROBABILITY_NAMES);
  if (probs) return { column: probs, kind: 'probabilities' };
  return candidates.length === 1 ? { column: candidates[0], kind: 'probabilities' } : null;
}

/** `prefix_0..prefix_{K-1}` for one of the prefixes: the columns in index order, null if none, or why not. */
function indexedColumns(columns: string[], prefixes: string[]): string[] | null | string {
  const pattern = new RegExp(`^(${prefixes.join('|')})_(\\d+)$`, 'i');
  const byIndex = new Map<number, string>();
  for (const column of columns) {
    const match = pattern.exec(column);
    if (!match) continue;
    const index = Number(match[2]);
    if (byIndex.has(index))
      return `has two columns for class ${index} (${byIndex.get(index)}, ${column}).`;
    byIndex.set(index, column);
  }
  if (byIndex.size === 0) return null;
  const sorted: string[] = [];
  for (let k = 0; k < byIndex.size; k++) {
    const column = byIndex.get(k);
    if (column === undefined) {
      return `has score columns up to ${Math.max(...byIndex.keys())} but none for class ${k}.`;
    }
    sorted.push(column);
  }
  if (sorted.length < 2)
    return `has a single score column (${sorted[0]}); give one column per class.`;
  return sorted;
}

function classNamedColumns(
  columns: string[],
  classNames: string[],
): { scores: string[]; kind: ScoreKind } | string {
  for (const [prefixes, kind] of [
    [[''], 'probabilities'],
    [PROBABILITY_PREFIXES.map((p) => `${p}_`), 'probabilities'],
    [LOGIT_PREFIXES.map((p) => `${p}_`), 'logits'],
  ] as const) {
    const scores = classNames.map((name) =>
      prefixes.map((prefix) => columns.find((c) => c === prefix + name)).find(Boolean),
    );
    if (scores.every((c) => c !== undefined)) return { scores: scores as string[], kind };
  }
  const missing = classNames.filter(
    (name) => !columns.some((c) => c === name || c.endsWith(`_${name}`)),
  );
  return `has no score column for class${missing.length === 1 ? '' : 'es'} ${missing
    .slice(0, 5)
    .map((n) => `'${n}'`)
    .join(
      ', ',
    )}${missing.length > 5 ? ', ...' : ''} of --classes (columns: ${listColumns(columns)}).`;
}

function listColumns(columns: string[]): string {
  const shown = columns.slice(0, 12).join(', ');
  return columns.length > 12 ? `${shown}, ... (${columns.length} in all)` : shown || 'none';
}
