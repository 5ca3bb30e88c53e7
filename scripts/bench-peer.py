"""The Python peer of the image-folder bench row: PIL + Keras on the same model and the same files.

Rebuilds the bench's model (keras.applications.MobileNetV2, alpha 0.35, 224x224, include_top=False,
pooling='avg', then Dense 100 ReLU and Dense K softmax), loads the weights the bench saved as a
TF.js Layers folder (model.json + its weight shard, in order, shapes checked), and classifies every
image of the folder as a short script would: PIL decode, EXIF orientation, RGB, shorter side scaled
to 224 (bilinear), centre square, x / 127.5 - 1, batches of 32, decoding and predicting one after
the other. Prints one JSON line with the times.

Usage: python3 scripts/bench-peer.py --model MODEL_DIR --data PHOTO_FOLDER
"""

import argparse
import json
import os
import resource
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

SIZE = 224
BATCH = 32
CHECKED = 100  # images whose top class and confidence are printed for the bench to compare


def build_model(classes: int) -> tf.keras.Model:
    base = tf.keras.applications.MobileNetV2(
        input_shape=(SIZE, SIZE, 3), alpha=0.35, include_top=False, weights=None, pooling="avg"
    )
    x = tf.keras.layers.Dense(100, activation="relu")(base.output)
    out = tf.keras.layers.Dense(classes, activation="softmax")(x)
    return tf.keras.Model(base.input, out)


def load_tfjs_weights(model: tf.keras.Model, folder: Path) -> None:
    manifest = json.loads((folder / "model.json").read_text())["weightsManifest"]
    arrays = []
    for group in manifest:
        data = b"".join((folder / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            arrays.append(
                np.frombuffer(data, dtype=np.float32, count=count, offset=offset).reshape(spec["shape"])
            )
            offset += count * 4
    # TF.js saves every trainable weight first (in layer order), then the non-trainable ones.
    weights = list(model.trainable_weights) + list(model.non_trainable_weights)
    if len(weights) != len(arrays):
        raise SystemExit(f"weight count differs: Keras {len(weights)}, TF.js {len(arrays)}")
    for variable, array in zip(weights, arrays):
        if tuple(variable.shape) != array.shape:
            raise SystemExit(f"shape differs at {variable.name}: {variable.shape} vs {array.shape}")
        variable.assign(array)


def preprocess(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        width, height = image.size
        scale = SIZE / min(width, height)
        size = (max(SIZE, round(width * scale)), max(SIZE, round(height * scale)))
        image = image.resize(size, Image.BILINEAR)
        left = (size[0] - SIZE + 1) // 2
        top = (size[1] - SIZE + 1) // 2
        image = image.crop((left, top, left + SIZE, top + SIZE))
        return np.asarray(image, dtype=np.float32) / 127.5 - 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--data", required=True, type=Path)
    args = parser.parse_args()
    classes = json.loads((args.model / "metadata.json").read_text())["classNames"]
    model = build_model(len(classes))
    load_tfjs_weights(model, args.model)
    files = sorted(p for p in args.data.rglob("*") if p.is_file())

    model.predict_on_batch(np.zeros((BATCH, SIZE, SIZE, 3), np.float32))  # warm-up
    decode = predict = 0.0
    started = time.perf_counter()
    done = 0
    first = []
    for start in range(0, len(files), BATCH):
        t = time.perf_counter()
        x = np.stack([preprocess(p) for p in files[start : start + BATCH]])
        decode += time.perf_counter() - t
        t = time.perf_counter()
        probs = np.asarray(model.predict_on_batch(x))
        predict += time.perf_counter() - t
        for path, p in zip(files[start : start + BATCH], probs):
            if len(first) < CHECKED:
                top = int(p.argmax())
                first.append([path.relative_to(args.data).as_posix(), top, round(float(p[top]), 3)])
        done += len(x)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "python": f"tensorflow {tf.__version__}, keras {tf.keras.__version__ if hasattr(tf.keras, '__version__') else '?'}, pillow {Image.__version__}",
                "images": done,
                "endToEnd": {"seconds": round(seconds, 3), "imagesPerSecond": round(done / seconds, 3)},
                "decodeSeconds": round(decode, 3),
                "predictSeconds": round(predict, 3),
                "predictImagesPerSecond": round(done / predict, 3),
                "peakRssMiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 3),
                "first": first,
            }
        )
    )


if __name__ == "__main__":
    main()
