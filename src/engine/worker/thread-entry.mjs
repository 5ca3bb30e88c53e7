// Worker-thread entry when running from source: tsx's loader is per thread, so register it here too.
import { register } from 'tsx/esm/api';

register();
await import('./thread-worker.ts');
