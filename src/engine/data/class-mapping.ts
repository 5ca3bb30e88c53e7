import { excerpt } from '../excerpt.js';
import { InputError } from '../input-error.js';

export interface ModelClasses {
  classNames: string[] | null;
  numClasses: number;
}

/** One distinct label of the test set, with where it was first seen (for error messages). */
export interface LabelOccurrence {
  label: string;
  /** The folder, CSV file or labels file it comes from. */
  file: string;
  /** Where in that file, e.g. 'row 12', if it matters. */
  where?: string;
}

export interface MappingOptions {
  /** 'index': labels are class numbers whatever the model's names (IDX). */
  mode: 'auto' | 'index';
  /**
   * Image folders only: when the model has no names and the labels are not numbers, number them
   * in sorted order, as Keras image_dataset_from_directory does.
   */
  sortedFallback: boolean;
}

const MAX_LISTED_CLASSES = 30;

export function describeModelClasses(model: ModelClasses): string {
  const names = model.classNames;
  if (!names || names.length === 0) {
    return `the model has ${model.numClasses} classes, numbered 0 to ${model.numClasses - 1}`;
  }
  const listed = names.slice(0, MAX_LISTED_CLASSES).map((n) => excerpt(n));
  const more = names.length > MAX_LISTED_CLASSES ? `, … (${names.length} in all)` : '';
  return `the model's classes are ${listed.join(', ')}${more}`;
}

/** '3', ' 3 ' and '3.0' (as pandas writes integers stored as floats) are class 3. */
export function parseClassIndex(label: string): number | null {
  const match = /^\s*\+?(\d+)(?:\.0*)?\s*$/.exec(label);
  return match ? Number(match[1]) : null;
}

function normalise(name: string): string {
  return name.trim().toLowerCase();
}

function unknownLabel(occurrence: LabelOccurrence, model: ModelClasses, note = ''): InputError {
  const where = occurrence.where ? `${occurrence.where}: ` : '';
  return new InputError(
    occurrence.file,
    `${where}label ${excerpt(occurrence.label)} is not one of the model's classes (${describeModelClasses(model)})${note}`,
  );
}

/** The distinct labels found, sorted, as a short list for a message. */
function describeLabels(labels: LabelOccurrence[]): string {
  const rank = (label: string) => parseClassIndex(label) ?? Infinity;
  const sorted = labels
    .map((o) => o.label)
    .sort((a, b) => rank(a) - rank(b) || compareStrings(a, b));
  const listed = sorted.slice(0, MAX_LISTED_CLASSES).map((label) => excerpt(label));
  const more = sorted.length > MAX_LISTED_CLASSES ? `, … (${sorted.length} in all)` : '';
  return `labels found: ${listed.join(', ')}${more}`;
}

/** When the labels mix class numbers and names: says so, naming both kinds. */
function mixedNote(labels: LabelOccurrence[]): string {
  const numbers = labels.filter((o) => parseClassIndex(o.label) !== null);
  const names = labels.filter((o) => parseClassIndex(o.label) === null);
  if (numbers.length === 0 || names.length === 0) return '';
  const few = (list: LabelOccurrence[]) =>
    list
      .slice(0, 5)
      .map((o) => excerpt(o.label))
      .join(', ') + (list.length > 5 ? ', …' : '');
  return `; the labels mix class numbers (${few(numbers)}) and names (${few(names)}): use one kind`;
}

function byIndex(labels: LabelOccurrence[], model: ModelClasses): Map<string, number> {
  const map = new Map<string, number>();
  for (const occurrence of labels) {
    const index = parseClassIndex(occurrence.label);
    if (index === null || index >= model.numClasses) throw unknownLabel(occurrence, model);
    map.set(occurrence.label, index);
  }
  return map;
}

function byName(labels: LabelOccurrence[], names: string[]): Map<string, number> {
  const normalised = names.map(normalise);
  const map = new Map<string, number>();
  for (const { label } of labels) {
    let index = names.indexOf(label);
    if (index < 0) {
      const wanted = normalise(label);
      index = normalised.indexOf(wanted);
      // An ambiguous case-insensitive match is no match.
      if (index >= 0 && normalised.lastIndexOf(wanted) !== index) index = -1;
    }
    if (index >= 0) map.set(label, index);
  }
  return map;
}

/**
 * Maps the test set's distinct labels to the model's class indices: by name when the model has
 * names (exact, then case-insensitive and trimmed), else by index (integer labels 0..K-1).
 */
export function mapLabelsToClasses(
  labels: LabelOccurrence[],
  model: ModelClasses,
  datasetPath: string,
  options: MappingOptions,
): Map<string, number> {
  if (labels.length === 0) throw new InputError(datasetPath, 'the test set is empty');
  // A label that names no class of the model is named (a folder "42" beside 0-9), before any count.
  if (labels.length > model.numClasses) {
    const unknown = unknownLabels(labels, model, options);
    if (unknown.length > 0 && unknown.length < labels.length) {
      throw new InputError(
        datasetPath,
        `${unknown.length === 1 ? 'label' : 'labels'} ${listLabels(unknown)} ${unknown.length === 1 ? 'is' : 'are'} not among the model's classes (${describeModelClasses(model)}), while the other ${labels.length - unknown.length} ${labels.length - unknown.length === 1 ? 'is' : 'are'}${mixedNote(labels)}`,
      );
    }
    throw new InputError(
      datasetPath,
      `class-count mismatch: the test set has ${labels.length} classes, the model ${model.numClasses} (${describeLabels(labels)})${mixedNote(labels)}`,
    );
  }
  if (options.mode === 'index') return byIndex(labels, model);

  const names = model.classNames;
  if (names && names.length > 0) {
    const named = byName(labels, names);
    if (named.size === labels.length) return named;
    // Class numbers are fine too, as long as no label looks like a name.
    const allNumbers = labels.every((o) => parseClassIndex(o.label) !== null);
    if (named.size === 0 && allNumbers) return byIndex(labels, model);
    const missing = labels.find((o) => !named.has(o.label));
    throw unknownLabel(missing ?? labels[0], model, mixedNote(labels));
  }

  if (labels.every((o) => parseClassIndex(o.label) !== null)) return byIndex(labels, model);
  if (options.sortedFallback) {
    const rank = (label: string) => parseClassIndex(label) ?? Infinity;
    const sorted = labels
      .map((o) => o.label)
      .sort((a, b) => rank(a) - rank(b) || compareStrings(a, b));
    return new Map(sorted.map((label, index) => [label, index]));
  }
  const named = labels.find((o) => parseClassIndex(o.label) === null) ?? labels[0];
  throw unknownLabel(named, model);
}

/**
 * The labels that would name no class of the model however they are read (not a class name, and
 * not a class number below K), in the order found.
 */
export function unknownLabels(
  labels: LabelOccurrence[],
  model: ModelClasses,
  options: Pick<MappingOptions, 'mode'>,
): LabelOccurrence[] {
  const names = options.mode === 'auto' ? (model.classNames ?? []) : [];
  const named = byName(labels, names);
  return labels.filter((o) => {
    if (named.has(o.label)) return false;
    const index = parseClassIndex(o.label);
    return index === null || index >= model.numClasses;
  });
}

function listLabels(labels: LabelOccurrence[]): string {
  const listed = labels.slice(0, 10).map((o) => excerpt(o.label));
  return listed.join(', ') + (labels.length > 10 ? `, … (${labels.length} in all)` : '');
}

/** Plain string order, independent of locale, as Python's sorted() (which Keras uses). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
