import { sampleSizeNotes } from '../core/sample-size';
import type { CalibrationReport, Verdict } from '../core/types';
import type {
  AuditDocument,
  DatasetSummary,
  ModelSummary,
  Provenance,
  ScoreFileSummary,
} from '../shared/audit-document';

/** Names the classes and samples of a calibration report and adds where it came from. */
export function toAuditDocument(
  report: CalibrationReport,
  ids: string[],
  source: { model: ModelSummary | null; scores: ScoreFileSummary | null; dataset: DatasetSummary },
  provenance: Provenance,
): AuditDocument {
  const name = (k: number) => provenance.classNames[k] ?? String(k);
  return {
    schema: 'calibration-audit/audit',
    schemaVersion: 1,
    ...report,
    verdict: namedVerdict(report, name),
    perClass: report.perClass.map((stats) => ({ ...stats, className: name(stats.classIndex) })),
    flags: {
      ...report.flags,
      samples: report.flags.samples.map((sample) => ({
        ...sample,
        id: ids[sample.index],
        labelName: name(sample.label),
        predictionName: name(sample.prediction),
      })),
      classes: report.flags.classes.map((flag) => ({ ...flag, className: name(flag.classIndex) })),
    },
    provenance,
    model: source.model,
    ...(source.scores ? { scores: source.scores } : {}),
    dataset: source.dataset,
    skipped: source.dataset.skipped,
  };
}

/** The verdict with its sample-size notes naming the classes. */
function namedVerdict(report: CalibrationReport, name: (k: number) => string): Verdict {
  const notes = sampleSizeNotes(report.sampleSize, name);
  const { notes: _unnamed, ...verdict } = report.verdict;
  return notes.length > 0 ? { ...verdict, notes } : verdict;
}

/** JSON with NaN and infinities written as null (JSON has no NaN). */
export function stringifyAuditDocument(document: AuditDocument): string {
  const finiteOrNull = (_key: string, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value;
  return JSON.stringify(document, finiteOrNull, 2);
}
