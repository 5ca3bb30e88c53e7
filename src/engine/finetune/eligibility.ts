import type { FinetuneEligibility } from '../../shared/audit-document';
import { InputError } from '../input-error';
import type { LoadedModel } from '../model/load-model';
import { checkFinetunable, trainableOf } from './prepare-parts';
import { innermostLayers } from './trainable-model';

/**
 * Whether the fine-tune view can run on a model, found when the model is opened (before anything is
 * set up): the same checks `runFinetune` makes first (a declared trainable capability, a head that
 * gives logits), and the layers that have weights to train (`head` trains the last one).
 */
export function finetuneEligibility(model: LoadedModel): FinetuneEligibility {
  try {
    checkFinetunable(model);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { eligible: false, reason: error.problem, layers: [] };
  }
  const layers = innermostLayers(trainableOf(model).model).filter((layer) => {
    const was = layer.trainable;
    layer.trainable = true;
    const weighted = layer.trainableWeights.length > 0;
    layer.trainable = was;
    return weighted;
  });
  if (layers.length === 0) {
    return {
      eligible: false,
      reason: 'has no layer with trainable weights to fine-tune.',
      layers: [],
    };
  }
  return { eligible: true, reason: null, layers: layers.map((layer) => layer.name) };
}
