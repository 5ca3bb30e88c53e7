import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Fashion-MNIST's class names, in label order. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** resources/ of this checkout (or of the packaged app, where hosts pass it in). */
export const RESOURCES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../resources',
);
export const DEMO_MODEL_DIR = path.join(RESOURCES_DIR, 'demo', 'model');
export const DEMO_TEST_DIR = path.join(RESOURCES_DIR, 'demo', 'test');
export const DEMO_TEST_IMAGES = path.join(DEMO_TEST_DIR, 't10k-images-idx3-ubyte.gz');
/** What the demo's model and test set are called wherever an audit of them is shown. */
export const DEMO_NAMES = {
  model: 'Fashion-MNIST CNN (demo)',
  testSet: 'Fashion-MNIST test split',
};
