/** An evaluation with fewer samples than this gets a caution next to its numbers. */
export const SMALL_SAMPLE = 200;

/** A class with fewer test samples than this gets a caution next to its numbers. */
export const SMALL_CLASS = 10;

/** How far the sample sizes of an audit can be trusted (see sampleSizeNotes). */
export interface SampleSizeCaution {
  sampleCount: number;
  /** sampleCount < SMALL_SAMPLE. */
  small: boolean;
  /** Classes with no test samples at all. */
  emptyClasses: number[];
  /** Classes with 1 to SMALL_CLASS − 1 test samples. */
  smallClasses: number[];
}

export function sampleSizeCaution(classCounts: readonly number[]): SampleSizeCaution {
  const sampleCount = classCounts.reduce((a, b) => a + b, 0);
  const emptyClasses: number[] = [];
  const smallClasses: number[] = [];
  classCounts.forEach((c, k) => {
    if (c === 0) emptyClasses.push(k);
    else if (c < SMALL_CLASS) smallClasses.push(k);
  });
  return { sampleCount, small: sampleCount < SMALL_SAMPLE, emptyClasses, smallClasses };
}

/** "from 29 samples" for a number computed on a small part, or '' when the part is not small. */
export function smallSampleNote(sampleCount: number): string {
  return sampleCount < SMALL_SAMPLE ? `from only ${groupThousands(sampleCount)} samples` : '';
}

function groupThousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function list(names: string[], max = 8): string {
  const shown = names.slice(0, max);
  const rest = names.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

/**
 * Plain-language cautions about sample sizes, naming classes with `name`: a small test set, classes
 * with no test samples (their recall cannot be measured; their classwise-ECE term measures the
 * probability given to a class that never occurs, which is real miscalibration and is kept), and
 * classes under SMALL_CLASS samples.
 */
export function sampleSizeNotes(
  caution: SampleSizeCaution,
  name: (classIndex: number) => string,
): string[] {
  const notes: string[] = [];
  if (caution.small) {
    notes.push(
      `Only ${groupThousands(caution.sampleCount)} test samples (under ${SMALL_SAMPLE}): every ` +
        `number here is uncertain; read the intervals, not the point values.`,
    );
  }
  const empty = caution.emptyClasses;
  if (empty.length === 1) {
    notes.push(
      `No test samples of class ${name(empty[0])}: its recall cannot be measured; its classwise-ECE ` +
        `term only measures the probability given to a class that never occurs here (real ` +
        `miscalibration, kept in the classwise ECE).`,
    );
  } else if (empty.length > 1) {
    notes.push(
      `No test samples of ${empty.length} classes (${list(empty.map(name))}): their recall cannot ` +
        `be measured; their classwise-ECE terms only measure the probability given to classes ` +
        `that never occur here (real miscalibration, kept in the classwise ECE).`,
    );
  }
  const few = caution.smallClasses;
  if (few.length > 0) {
    const what = few.length === 1 ? `class ${name(few[0])} has` : `${few.length} classes have`;
    const which = few.length === 1 ? '' : ` (${list(few.map(name))})`;
    notes.push(
      `${capitalise(what)} fewer than ${SMALL_CLASS} test samples${which}: ` +
        `${few.length === 1 ? 'its' : 'their'} per-class numbers are very uncertain.`,
    );
  }
  return notes;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
