// Child-process entry when running from source: register tsx's loader, then start the engine.
import { register } from 'tsx/esm/api';

register();
await import('./process-worker.ts');
