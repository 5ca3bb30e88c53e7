import { describe, expect, it } from 'vitest';
import { sampleSizeCaution, sampleSizeNotes, smallSampleNote } from '../../src/core/sample-size';

describe('sampleSizeCaution and sampleSizeNotes', () => {
  const names = ['cat', 'dog', 'fox', 'owl'];
  const name = (k: number) => names[k];

  it('names a class with no test samples and says what its numbers mean', () => {
    const caution = sampleSizeCaution([120, 0, 300, 5]);
    expect(caution).toEqual({
      sampleCount: 425,
      small: false,
      emptyClasses: [1],
      smallClasses: [3],
    });
    const notes = sampleSizeNotes(caution, name);
    expect(notes).toHaveLength(2);
    expect(notes[0]).toContain('No test samples of class dog: its recall cannot be measured');
    expect(notes[0]).toContain('real miscalibration');
    expect(notes[1]).toBe(
      'Class owl has fewer than 10 test samples: its per-class numbers are very uncertain.',
    );
  });

  it('cautions a small test set and lists several classes', () => {
    const caution = sampleSizeCaution([29, 0, 0, 3]);
    expect(caution.small).toBe(true);
    const notes = sampleSizeNotes(caution, name);
    expect(notes[0]).toMatch(/^Only 32 test samples \(under 200\)/);
    expect(notes[1]).toContain('No test samples of 2 classes (dog, fox)');
    expect(sampleSizeNotes(sampleSizeCaution([500, 500]), name)).toEqual([]);
  });

  it('writes "from only N samples" for small parts only', () => {
    expect(smallSampleNote(29)).toBe('from only 29 samples');
    expect(smallSampleNote(1200)).toBe('');
  });
});
