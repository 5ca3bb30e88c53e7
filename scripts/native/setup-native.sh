#!/usr/bin/env bash
# `npm run setup-native`: @tensorflow/tfjs-node with TensorFlow's C library taken from PyPI's tensorflow-cpu
# wheel, its N-API binding built from source. For Linux x64 machines where tfjs-node's own install (a download
# of libtensorflow from Google's storage) fails: blocked hosts, proxies, offline mirrors that carry PyPI.
#
# Downloads: the tensorflow-cpu wheel from PyPI (about 275 MB, cached in ~/.cache/calibration-audit), and the
# tfjs-node npm package if npm removed it. Disk: about 815 MB in node_modules/@tensorflow/tfjs-node/deps.
# Build: about 10 s on 2 cores for the binding (the built binding is cached too, so a second checkout takes seconds).
# Idempotent: does nothing when tfjs-node already loads with the tensorflow backend. Survives `npm rebuild`
# (tfjs-node's install script finds the library and rebuilds against it instead of downloading).
set -euo pipefail

TFJS_NODE_VERSION=4.22.0
TF_WHEEL_VERSION="${TF_WHEEL_VERSION:-2.21.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TFN="$ROOT/node_modules/@tensorflow/tfjs-node"
CACHE="${CALIBRATION_AUDIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calibration-audit}"
LIB_CACHE="$CACHE/tfjs-node-$TFJS_NODE_VERSION-tensorflow-$TF_WHEEL_VERSION"
say() { echo "setup-native: $*"; }

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  say "only needed (and only supported) on Linux x64; on $(uname -s)-$(uname -m) tfjs-node's own install is used."
  exit 0
fi

loads_natively() {
  (cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL=3 node -e "
    const tf = require('@tensorflow/tfjs-node');
    if (tf.getBackend() !== 'tensorflow') process.exit(1);
    tf.tensor2d([[1, 2], [3, 4]]).matMul(tf.tensor2d([[5, 6], [7, 8]])).dataSync();" >/dev/null 2>&1)
}

if [ -d "$TFN" ] && loads_natively; then
  say "tfjs-node already runs on the tensorflow backend; nothing to do."
  exit 0
fi

# 1. The JS package, without its install script (which would try the download). npm ci drops an optional
#    package whose install failed, so bring it back at the locked version, leaving package.json alone.
if [ ! -f "$TFN/package.json" ]; then
  say "installing @tensorflow/tfjs-node@$TFJS_NODE_VERSION (npm package, scripts off)"
  (cd "$ROOT" && npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error \
    "@tensorflow/tfjs-node@$TFJS_NODE_VERSION")
fi

# 2. TensorFlow's C library and C API headers, from the wheel (cached).
if [ ! -f "$LIB_CACHE/deps/lib/libtensorflow_cc.so.2" ]; then
  command -v python3 >/dev/null || { say "python3 with pip is needed to download the wheel"; exit 1; }
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  say "downloading tensorflow-cpu==$TF_WHEEL_VERSION from PyPI (about 275 MB; once, cached in $CACHE)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_27_x86_64 -d "$CACHE/wheels" "tensorflow-cpu==$TF_WHEEL_VERSION"
  WHEEL="$(ls "$CACHE"/wheels/tensorflow_cpu-"$TF_WHEEL_VERSION"-*.whl | head -n 1)"
  say "unpacking the C library and the C API headers (about 815 MB)"
  python3 - "$WHEEL" "$WORK/x" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
# Only the C API headers and what they include (the wheel's whole include/ tree is about 270 MB).
pre = tuple('tensorflow/include/' + p for p in (
    'tensorflow/c/', 'tensorflow/core/platform/ctstring', 'tsl/platform/ctstring', 'tsl/c/', 'xla/tsl/c/',
    'tensorflow/tsl/platform/ctstring', 'tensorflow/tsl/c/'))
libs = ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2')
z.extractall(sys.argv[2], [n for n in z.namelist() if n in libs or n.startswith(pre)])
PY
  rm -rf "$LIB_CACHE.partial"
  mkdir -p "$LIB_CACHE.partial/deps/lib"
  mv "$WORK/x/tensorflow/include" "$LIB_CACHE.partial/deps/include"
  mv "$WORK/x/tensorflow/libtensorflow_cc.so.2" "$WORK/x/tensorflow/libtensorflow_framework.so.2" \
    "$LIB_CACHE.partial/deps/lib/"
  (
    cd "$LIB_CACHE.partial/deps/lib"
    ln -s libtensorflow_cc.so.2 libtensorflow.so.2 # the C API (TF_*, TFE_*) lives in libtensorflow_cc
    ln -s libtensorflow.so.2 libtensorflow.so      # for the linker's -ltensorflow
    ln -s libtensorflow_framework.so.2 libtensorflow_framework.so
    # tfjs-node's install script keeps deps/ (and rebuilds against it) when this file exists.
    ln -s libtensorflow_cc.so.2 libtensorflow.so.2.9.1
  )
  rm -rf "$LIB_CACHE"
  mv "$LIB_CACHE.partial" "$LIB_CACHE"
fi

# 3. Lay the library out where binding.gyp looks (hard links: no second copy on disk when possible).
rm -rf "$TFN/deps"
cp -al "$LIB_CACHE/deps" "$TFN/deps" 2>/dev/null || cp -a "$LIB_CACHE/deps" "$TFN/deps"

# 4. The binding: N-API, so one build serves every Node (and Electron) version; cached after the first build.
#    `install --build-from-source` builds only the best N-API version for this Node (v8), where `rebuild`
#    would build all six that tfjs-node lists.
BINDING_DIR="$TFN/lib/napi-v8"
if [ -f "$LIB_CACHE/napi-v8/tfjs_binding.node" ]; then
  say "using the cached binding"
  mkdir -p "$BINDING_DIR"
  cp "$LIB_CACHE/napi-v8/tfjs_binding.node" "$BINDING_DIR/"
else
  say "building the tfjs-node binding from source (about 10 s on 2 cores)"
  export npm_config_nodedir="${npm_config_nodedir:-$([ -f /usr/include/node/node_api.h ] && echo /usr || true)}"
  [ -n "$npm_config_nodedir" ] || unset npm_config_nodedir
  (cd "$TFN" && node "$ROOT/node_modules/@mapbox/node-pre-gyp/bin/node-pre-gyp" install \
    --build-from-source --loglevel=warn >"$CACHE/build.log" 2>&1) || { say "the build failed; see $CACHE/build.log"; exit 1; }
  rm -rf "$TFN/build"
  mkdir -p "$LIB_CACHE/napi-v8"
  cp "$BINDING_DIR/tfjs_binding.node" "$LIB_CACHE/napi-v8/"
fi

if loads_natively; then
  say "OK: @tensorflow/tfjs-node $TFJS_NODE_VERSION runs on the tensorflow backend (libtensorflow $TF_WHEEL_VERSION from PyPI)."
else
  say "the binding was built but tfjs-node does not load; the engine will use WebAssembly." >&2
  exit 1
fi
