// `node --import` this file to run the built Electron main process on plain Node: the module
// `electron` resolves to the stand-in next to it (Electron's binary cannot be downloaded here).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
