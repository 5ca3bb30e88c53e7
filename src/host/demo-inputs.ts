import path from 'node:path';
import type { InputRef } from '../shared/api';

/** The built-in demo as InputRefs, given where the app's resources are. */
export function demoInputs(resourcesDir: string): { model: InputRef; testSet: InputRef } {
  return {
    model: { path: path.join(resourcesDir, 'demo', 'model'), label: 'Fashion-MNIST CNN (demo)' },
    testSet: {
      path: path.join(resourcesDir, 'demo', 'test', 't10k-images-idx3-ubyte.gz'),
      label: 'Fashion-MNIST test split',
    },
  };
}
