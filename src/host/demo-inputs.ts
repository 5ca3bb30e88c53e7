import path from 'node:path';
import type { InputRef } from '../shared/api';
import { DEMO_NAMES } from '../engine/demo';

/** The built-in demo as InputRefs, given where the app's resources are. */
export function demoInputs(resourcesDir: string): { model: InputRef; testSet: InputRef } {
  return {
    model: { path: path.join(resourcesDir, 'demo', 'model'), label: DEMO_NAMES.model },
    testSet: {
      path: path.join(resourcesDir, 'demo', 'test', 't10k-images-idx3-ubyte.gz'),
      label: DEMO_NAMES.testSet,
    },
  };
}
