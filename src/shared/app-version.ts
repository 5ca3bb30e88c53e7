/** Kept equal to package.json's version (a test checks it); bundled hosts cannot read package.json. */
export const APP_VERSION = '0.1.0';
