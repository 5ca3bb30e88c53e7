import {
  pluralCount,
  signed as signedNumber,
  signedInterval,
  signedPoints,
} from '../../core/number-format';
import { SMALL_SAMPLE, smallSampleNote } from '../../core/sample-size';
import type { MetricEstimate, MetricName } from '../../core/types';
import {
  armNamesOf,
  type BestArm,
  type ComparedArms,
  type FinetuneArm,
  type FinetuneArms,
  type PostHocArms,
  type SweepEntry,
} from '../../shared/finetune-document';

/** What the plain-language statements are drawn from. */
export interface TradeOffInputs {
  arms: FinetuneArms<FinetuneArm>;
  deltas: ComparedArms<Record<MetricName, MetricEstimate>>;
  /** The best arm on NLL and on ECE (absent: no summary line). */
  best?: { nll: BestArm; ece: BestArm };
  smoothingEffect: Record<MetricName, MetricEstimate>;
  alpha: number;
  numClasses: number;
  optimumLogitGap: number | null;
  sweep: SweepEntry[] | null;
  /** 0 means the deltas have no intervals: changes are then not tested against noise. */
  bootstrapResamples: number;
  /**
   * Temperature scaling minus label smoothing on the evaluation part, with paired-bootstrap
   * intervals: what any "one beat the other" statement rests on. Absent: the ranking is given
   * as point estimates and said to be untested.
   */
  temperatureMinusSmoothed?: Record<MetricName, MetricEstimate>;
  /** Sizes of the calibration and evaluation parts: small ones get a caution. */
  partSizes?: { calibration: number; evaluation: number };
}

type Kind = 'points' | 'decimal';

const DESCRIPTION: Partial<Record<MetricName, { name: string; kind: Kind }>> = {
  ece: { name: 'ECE', kind: 'points' },
  nll: { name: 'NLL', kind: 'decimal' },
  accuracy: { name: 'accuracy', kind: 'points' },
  misclassificationAuroc: { name: 'misclassification AUROC', kind: 'decimal' },
  aurc: { name: 'AURC', kind: 'decimal' },
};

/**
 * Plain-language statements of what each arm gained and cost on the evaluation part, every
 * change with its paired-bootstrap 95% interval, and said plainly when smoothing makes
 * confidence worse at separating right from wrong predictions (lower misclassification AUROC,
 * higher AURC) and the interval excludes 0.
 */
export function describeTradeOffs(inputs: TradeOffInputs): string[] {
  const { arms, alpha } = inputs;
  // Without resamples the "intervals" are [value, value]: say so instead of calling them tight.
  const untested = (estimates: Record<MetricName, MetricEstimate>) =>
    inputs.bootstrapResamples > 0
      ? estimates
      : (Object.fromEntries(
          Object.entries(estimates).map(([name, e]) => [
            name,
            { value: e.value, ci95: [NaN, NaN] },
          ]),
        ) as Record<MetricName, MetricEstimate>);
  const deltas = {
    control: untested(inputs.deltas.control),
    smoothed: untested(inputs.deltas.smoothed),
    temperature: untested(inputs.deltas.temperature),
  };
  const smoothingEffect = untested(inputs.smoothingEffect);
  const lines: string[] = [];
  const evaluated = inputs.partSizes?.evaluation;
  if (evaluated !== undefined && smallSampleNote(evaluated)) {
    lines.push(
      `Caution: the evaluation part has only ${pluralCount(evaluated, 'sample')} (under ${SMALL_SAMPLE}); every change below is uncertain, read the intervals.`,
    );
  }
  const smoothed = `Label smoothing (α = ${alpha})`;
  const original = arms.original.metrics;
  const after = arms.smoothed.metrics;

  if (inputs.sweep) {
    const chosen = inputs.sweep.find((entry) => entry.chosen);
    lines.push(
      `α = ${alpha} was chosen among ${inputs.sweep.map((e) => e.alpha).join(', ')} by the lowest NLL on the calibration part` +
        (chosen ? ` (${chosen.calibration.nll.toFixed(4)})` : '') +
        '; the evaluation part played no part in the choice.',
    );
  }

  lines.push(change(smoothed, 'ece', original.ece.value, after.ece.value, deltas.smoothed.ece));
  const control = deltas.control.ece;
  const effect = smoothingEffect.ece;
  lines.push(
    (hasInterval(control) && includesZero(control)
      ? `Fine-tuning alone (α = 0, same budget): no clear change in ECE (${signed(control, 'points')}, ${interval(control, 'points').slice(1, -1)}); `
      : `Fine-tuning alone (α = 0, same budget) changed ECE by ${signed(control, 'points')} ${interval(control, 'points')}; `) +
      `smoothing's own effect (smoothed minus control) is ${signed(effect, 'points')} ${interval(effect, 'points')}` +
      (!hasInterval(effect)
        ? ': without bootstrap resamples this is not tested against noise.'
        : includesZero(effect)
          ? ', an interval that includes 0: this ECE change cannot be credited to smoothing.'
          : effect.value < 0
            ? ': smoothing itself lowered ECE.'
            : ': smoothing itself raised ECE.'),
  );
  lines.push(change(smoothed, 'nll', original.nll.value, after.nll.value, deltas.smoothed.nll));
  lines.push(
    change(
      smoothed,
      'accuracy',
      original.accuracy.value,
      after.accuracy.value,
      deltas.smoothed.accuracy,
    ),
  );
  lines.push(rankingStatement(smoothed, original, after, deltas.smoothed).text);

  const temperature = arms.temperature;
  const t = temperature.temperature ?? 1;
  const fittedOn = smallSampleNote(inputs.partSizes?.calibration ?? Infinity);
  const tName = `Temperature scaling (T = ${t.toFixed(3)}, fitted on the calibration part${fittedOn ? ` ${fittedOn}` : ''})`;
  lines.push(
    change(
      tName,
      'ece',
      original.ece.value,
      temperature.metrics.ece.value,
      deltas.temperature.ece,
    ) + ' It changes no prediction, so accuracy stays the same.',
  );
  const tRanking = rankingStatement(tName, original, temperature.metrics, deltas.temperature);
  if (tRanking.kind === 'worse' || tRanking.kind === 'better') lines.push(tRanking.text);
  const tEce = temperature.metrics.ece.value;
  const sEce = after.ece.value;
  if (Number.isFinite(tEce) && Number.isFinite(sEce)) {
    lines.push(comparisonStatement(tEce, sEce, inputs));
  }

  // The other post-hoc calibrators: ECE, and accuracy when the map changed predictions.
  for (const name of armNamesOf(arms)) {
    if (['original', 'control', 'smoothed', 'temperature'].includes(name)) continue;
    const arm = arms[name]!;
    const delta = inputs.deltas[name as keyof typeof inputs.deltas];
    if (!delta) continue;
    const who = `${capital(arm.calibrator?.name ?? name)} (${arm.calibrator?.summary ?? ''}; fitted on the calibration part)`;
    const d = untested(delta);
    lines.push(change(who, 'ece', original.ece.value, arm.metrics.ece.value, d.ece));
    if (d.accuracy.value !== 0) {
      lines.push(
        change(who, 'accuracy', original.accuracy.value, arm.metrics.accuracy.value, d.accuracy) +
          ' This map can change predictions.',
      );
    }
  }
  if (inputs.best) lines.push(bestStatement(inputs.arms, inputs.best));

  if (inputs.optimumLogitGap !== null && arms.smoothed.logitGap && arms.original.logitGap) {
    lines.push(
      `At α = ${alpha} with K = ${inputs.numClasses} the smoothed loss is lowest at a logit gap of ` +
        `log((1 − α + α/K)/(α/K)) = ${inputs.optimumLogitGap.toFixed(2)}; the median top-1 minus top-2 logit gap went from ` +
        `${arms.original.logitGap.summary.median.toFixed(2)} (original) to ${arms.smoothed.logitGap.summary.median.toFixed(2)} (smoothed).`,
    );
  }
  return lines;
}

/**
 * The statements of a post-hoc comparison (no fine-tune): each calibrator's ECE and NLL change
 * against the original, its accuracy change when the map moved predictions, and the best arm on
 * NLL and on ECE, every change with its paired-bootstrap interval.
 */
export function describePostHocTradeOffs(inputs: {
  arms: PostHocArms<FinetuneArm>;
  deltas: Omit<PostHocArms<Record<MetricName, MetricEstimate>>, 'original'>;
  best: { nll: BestArm; ece: BestArm };
  bootstrapResamples: number;
}): string[] {
  const { arms } = inputs;
  const original = arms.original.metrics;
  const lines: string[] = [];
  for (const name of armNamesOf(arms)) {
    if (name === 'original') continue;
    const arm = (arms as Partial<Record<string, FinetuneArm>>)[name]!;
    const raw = (inputs.deltas as Partial<Record<string, Record<MetricName, MetricEstimate>>>)[
      name
    ];
    if (!raw) continue;
    const d =
      inputs.bootstrapResamples > 0
        ? raw
        : (Object.fromEntries(
            Object.entries(raw).map(([metric, e]) => [
              metric,
              { value: e.value, ci95: [NaN, NaN] },
            ]),
          ) as Record<MetricName, MetricEstimate>);
    const who = `${capital(arm.calibrator?.name ?? name)} (${arm.calibrator?.summary ?? ''}; fitted on the calibration part)`;
    lines.push(change(who, 'ece', original.ece.value, arm.metrics.ece.value, d.ece));
    lines.push(change(who, 'nll', original.nll.value, arm.metrics.nll.value, d.nll));
    if (d.accuracy.value !== 0) {
      lines.push(
        change(who, 'accuracy', original.accuracy.value, arm.metrics.accuracy.value, d.accuracy) +
          ' This map can change predictions.',
      );
    }
  }
  lines.push(bestStatement(arms as unknown as FinetuneArms<FinetuneArm>, inputs.best));
  return lines;
}

/**
 * "Best on NLL: Dirichlet calibration (0.2512), ahead of temperature scaling by 0.0031 (95% CI
 * 0.0010 to 0.0052): a clear lead." — or "no clear difference" when the paired interval of the
 * lead includes 0.
 */
export function bestStatement(
  arms: FinetuneArms<FinetuneArm>,
  best: { nll: BestArm; ece: BestArm },
): string {
  const part = (b: BestArm) => {
    const kind: Kind = b.metric === 'ece' ? 'points' : 'decimal';
    const format = kind === 'points' ? pct : (x: number) => x.toFixed(4);
    const name = b.metric === 'ece' ? 'ECE' : 'NLL';
    const arm = arms[b.arm]!;
    const head = `best on ${name}: ${arm.label} (${format(arm.metrics[b.metric].value)})`;
    if (!b.runnerUp || !b.lead) return head;
    const runner = arms[b.runnerUp]!.label;
    const detail = `${signed(b.lead, kind)}, ${hasInterval(b.lead) ? `95% CI ${range(b.lead, kind)}` : 'no interval'}`;
    return b.clear
      ? `${head}, ahead of ${runner} (${detail}): a clear lead`
      : `${head}, but no clear difference from ${runner} (${detail})`;
  };
  return `${capital(part(best.nll))}; ${part(best.ece)}.`;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * "X lowered ECE from a to b (d, 95% CI lo to hi)." when the paired interval excludes 0, and
 * "X: no clear change in ECE (a → b, d, 95% CI lo to hi)." when it includes 0.
 */
function change(
  who: string,
  metric: MetricName,
  before: number,
  afterValue: number,
  delta: MetricEstimate,
): string {
  const { name, kind } = DESCRIPTION[metric] ?? { name: metric, kind: 'decimal' as Kind };
  const format = kind === 'points' ? pct : (x: number) => x.toFixed(4);
  if (!Number.isFinite(delta.value)) return `${who}: ${name} is undefined here.`;
  const ci = hasInterval(delta) ? `95% CI ${range(delta, kind)}` : 'no interval';
  if (delta.value === 0) return `${who} left ${name} unchanged at ${format(before)} (${ci}).`;
  if (hasInterval(delta) && includesZero(delta)) {
    return `${who}: no clear change in ${name} (${format(before)} → ${format(afterValue)}, ${signed(delta, kind)}, ${ci}).`;
  }
  const base = `${who} ${delta.value < 0 ? 'lowered' : 'raised'} ${name} from ${format(before)} to ${format(afterValue)} (${signed(delta, kind)}, ${ci})`;
  return hasInterval(delta)
    ? `${base}.`
    : `${base}; without bootstrap resamples this is not tested against noise.`;
}

/**
 * Temperature scaling against label smoothing on ECE, with the paired interval of their
 * difference: "no clear difference" when it includes 0.
 */
function comparisonStatement(tEce: number, sEce: number, inputs: TradeOffInputs): string {
  const diff = inputs.bootstrapResamples > 0 ? inputs.temperatureMinusSmoothed?.ece : undefined;
  const values = `temperature scaling ${pct(tEce)}, label smoothing ${pct(sEce)}`;
  if (!diff || !hasInterval(diff)) {
    const lower = tEce <= sEce ? 'Temperature scaling' : 'Label smoothing';
    return `${lower} had the lower ECE (${values}; point estimates, no paired interval, so this ranking is not tested against noise).`;
  }
  const ci = `difference ${signed(diff, 'points')}, 95% CI ${range(diff, 'points')}`;
  if (includesZero(diff)) return `ECE: no clear difference between them (${values}; ${ci}).`;
  return diff.value < 0
    ? `Temperature scaling reached a lower ECE than label smoothing without retraining (${values}; ${ci}).`
    : `Label smoothing reached a lower ECE than temperature scaling (${values}; ${ci}).`;
}

/** The misclassification-detection trade-off: AUROC down or AURC up is said plainly. */
function rankingStatement(
  who: string,
  before: Record<MetricName, MetricEstimate>,
  after: Record<MetricName, MetricEstimate>,
  delta: Record<MetricName, MetricEstimate>,
): { kind: 'worse' | 'better' | 'noise' | 'untested'; text: string } {
  const auroc = delta.misclassificationAuroc;
  const aurc = delta.aurc;
  const ci = (d: MetricEstimate) =>
    hasInterval(d) ? `, 95% CI ${range(d, 'decimal')}` : ', no interval';
  const aurocText = `misclassification AUROC ${before.misclassificationAuroc.value.toFixed(4)} → ${after.misclassificationAuroc.value.toFixed(4)} (${signed(auroc, 'decimal')}${ci(auroc)})`;
  const aurcText = `AURC ${before.aurc.value.toFixed(4)} → ${after.aurc.value.toFixed(4)} (${signed(aurc, 'decimal')}${ci(aurc)})`;
  if (!hasInterval(auroc) && !hasInterval(aurc)) {
    return {
      kind: 'untested',
      text: `${who}: ${aurocText}; ${aurcText}; without bootstrap resamples these changes are not tested against noise.`,
    };
  }
  const worseAuroc = auroc.value < 0 && !includesZero(auroc);
  const worseAurc = aurc.value > 0 && !includesZero(aurc);
  if (worseAuroc || worseAurc) {
    return {
      kind: 'worse',
      text:
        `Trade-off: ${who} made confidence WORSE at telling right from wrong predictions: ` +
        `${aurocText}; ${aurcText}. ` +
        (worseAurc
          ? 'Abstaining on the least confident predictions removes fewer errors than before.'
          : 'The confident-first ranking of predictions is less reliable than before.'),
    };
  }
  const better =
    (auroc.value > 0 && !includesZero(auroc)) || (aurc.value < 0 && !includesZero(aurc));
  if (better) {
    return {
      kind: 'better',
      text: `${who} made confidence better at telling right from wrong predictions: ${aurocText}; ${aurcText}.`,
    };
  }
  return {
    kind: 'noise',
    text: `${who} left the ranking of right and wrong predictions within noise: ${aurocText}; ${aurcText}.`,
  };
}

function hasInterval(delta: MetricEstimate): boolean {
  return Number.isFinite(delta.ci95[0]) && Number.isFinite(delta.ci95[1]);
}

function includesZero(delta: MetricEstimate): boolean {
  const [lo, hi] = delta.ci95;
  return !(Number.isFinite(lo) && Number.isFinite(hi)) || (lo <= 0 && hi >= 0);
}

function signed(delta: MetricEstimate, kind: Kind): string {
  return kind === 'points' ? signedPoints(delta.value) : signedNumber(delta.value, 4);
}

function range(delta: MetricEstimate, kind: Kind): string {
  const [lo, hi] = delta.ci95;
  return kind === 'points' ? signedInterval(lo, hi, 2, 100, 'points') : signedInterval(lo, hi, 4);
}

function interval(delta: MetricEstimate, kind: Kind): string {
  return hasInterval(delta) ? `(95% CI ${range(delta, kind)})` : '(no interval)';
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a';
}
