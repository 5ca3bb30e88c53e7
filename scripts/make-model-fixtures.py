#!/usr/bin/env python3
"""Makes the model fixtures under test/fixtures/models/ with the real tools, and each tool's own
predictions on the same inputs, so that the tests compare this project's numbers with Keras's,
onnxruntime's and scikit-learn's without Python in CI.

Needs: tensorflow-cpu 2.21 (Keras 3), tf_keras, scikit-learn, skl2onnx, onnx, onnxruntime, numpy.
Reads Fashion-MNIST from /usr/share/datasets/fashion-mnist (or $FASHION_MNIST).
Run: python3 scripts/make-model-fixtures.py   (deterministic: fixed seeds, CPU, one thread)

Writes (all small):
  fashion-200/               200 Fashion-MNIST test images as an IDX pair (the first 200 of t10k)
  keras3-cnn.keras           Keras 3 Sequential CNN (Conv2D, BatchNormalization, MaxPooling2D,
                             Flatten, Dropout, Dense softmax)
  keras3-cnn.h5              the same model saved by Keras 3 as legacy HDF5
  keras3-layers.keras/.h5    Functional: Rescaling, AveragePooling2D, Reshape, Conv1D, GlobalMaxPooling1D,
                             LSTM, GRU, Concatenate, LayerNormalization, Dense
  keras3-nested.keras        Teachable-Machine-shaped: Sequential[ base Functional, head Sequential ]
  tfkeras-cnn.h5             a Keras 2 (tf_keras) Functional CNN with Add, legacy HDF5
  onnx-cnn.onnx              an ONNX CNN (NCHW input, logits output) built with the onnx helper API
  onnx-cnn-nhwc.onnx         the same CNN with an NHWC input and a Softmax output named output_0
  sklearn-tabular.onnx       StandardScaler + LogisticRegression via skl2onnx (zipmap=False)
  sklearn-zipmap.onnx        the same pipeline with skl2onnx's default ZipMap output (refused, with a hint)
  tabular.csv                its test set (feature columns f0..f5 and a label column)
  expected.json              every model's probabilities, accuracy and ECE (15 bins) on its inputs
"""
import gzip
import json
import os
import random
import struct
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "0")

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "models")
DATA = os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
SEED = 7
N_TEST = 200
N_TRAIN = 2000


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = struct.unpack(">I", raw[:4])[0]
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, raw[4 : 4 + 4 * dims])
    return np.frombuffer(raw[4 + 4 * dims :], dtype=np.uint8).reshape(shape)


def write_idx(path, array):
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(header + array.astype(np.uint8).tobytes())


def ece(probs, labels, bins=15):
    """The project's ECE: equal-width bins [a, b), the last one closed, top-label confidence."""
    conf = probs.max(axis=1)
    pred = probs.argmax(axis=1)
    correct = (pred == labels).astype(np.float64)
    index = np.minimum((conf * bins).astype(np.int64), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.sum() / len(labels) * abs(correct[mask].mean() - conf[mask].mean())
    return float(total)


def summary(probs, labels):
    probs = np.asarray(probs, dtype=np.float64)
    return {
        "probs": [[float(f"{v:.8g}") for v in row] for row in probs],
        "accuracy": float((probs.argmax(axis=1) == labels).mean()),
        "ece": ece(probs, labels),
    }


def main():
    os.makedirs(ROOT, exist_ok=True)
    random.seed(SEED)
    np.random.seed(SEED)
    train_x = idx(os.path.join(DATA, "train-images-idx3-ubyte.gz"))[:N_TRAIN]
    train_y = idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz"))[:N_TRAIN].astype(np.int64)
    test_x = idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"))[:N_TEST]
    test_y = idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz"))[:N_TEST].astype(np.int64)
    folder = os.path.join(ROOT, "fashion-200")
    os.makedirs(folder, exist_ok=True)
    write_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz"), test_x)
    write_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), test_y)
    # The project's IDX reader scales bytes to [0, 1].
    xtr = (train_x.astype(np.float32) / 255.0)[..., None]
    xte = (test_x.astype(np.float32) / 255.0)[..., None]
    expected = {"inputs": {"images": "fashion-200", "tabular": "tabular.csv"}, "models": {}}

    import tensorflow as tf

    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    import keras

    keras.utils.set_random_seed(SEED)
    L = keras.layers
    cnn = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            L.Conv2D(6, 3, activation="relu", name="conv"),
            L.BatchNormalization(name="bn"),
            L.MaxPooling2D(2, name="pool"),
            L.Conv2D(8, 3, padding="same", name="conv2"),
            L.Activation("relu", name="relu2"),
            L.MaxPooling2D(2, name="pool2"),
            L.Flatten(name="flatten"),
            L.Dropout(0.2, name="dropout"),
            L.Dense(10, activation="softmax", name="probs"),
        ],
        name="keras3_cnn",
    )
    cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    cnn.fit(xtr, train_y, epochs=2, batch_size=64, verbose=0)
    cnn.save(os.path.join(ROOT, "keras3-cnn.keras"))
    cnn.save(os.path.join(ROOT, "keras3-cnn.h5"))
    probs = cnn.predict(xte, verbose=0)
    expected["models"]["keras3-cnn.keras"] = summary(probs, test_y)
    expected["models"]["keras3-cnn.h5"] = summary(
        keras.models.load_model(os.path.join(ROOT, "keras3-cnn.h5"), compile=False).predict(xte, verbose=0),
        test_y,
    )

    # More layer kinds, Functional with three branches: Rescaling, Reshape, Conv1D + pooling, LSTM,
    # GRU (reset_after=False: TF.js has no reset_after=True), Concatenate, LayerNormalization.
    keras.utils.set_random_seed(SEED)
    zi = keras.Input(shape=(28, 28, 1), name="pixels")
    z = L.Rescaling(2.0, offset=-1.0, name="rescale")(zi)
    z = L.AveragePooling2D(2, name="avg")(z)
    z = L.Reshape((14, 14), name="rows")(z)
    za = L.Conv1D(6, 3, activation="relu", name="conv1d")(z)
    za = L.GlobalMaxPooling1D(name="gmp")(za)
    zb = L.LSTM(5, name="lstm")(z)
    zc = L.GRU(4, reset_after=False, name="gru")(z)
    z = L.Concatenate(name="concat")([za, zb, zc])
    z = L.LayerNormalization(name="ln")(z)
    z = L.Dense(12, activation="relu", name="hidden")(z)
    zo = L.Dense(10, activation="softmax", name="out")(z)
    zoo = keras.Model(zi, zo, name="zoo")
    zoo.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    zoo.fit(xtr, train_y, epochs=3, batch_size=64, verbose=0)
    zoo.save(os.path.join(ROOT, "keras3-layers.keras"))
    zoo.save(os.path.join(ROOT, "keras3-layers.h5"))
    expected["models"]["keras3-layers.keras"] = summary(zoo.predict(xte, verbose=0), test_y)
    expected["models"]["keras3-layers.h5"] = expected["models"]["keras3-layers.keras"]

    # Teachable Machine's image model: Sequential[ Functional base, Sequential head ending in softmax ].
    inp = keras.Input(shape=(28, 28, 1), name="image")
    h = L.Conv2D(4, 3, strides=2, padding="same", use_bias=False, name="base_conv")(inp)
    h = L.BatchNormalization(name="base_bn")(h)
    h = L.ReLU(6.0, name="base_relu6")(h)
    d = L.DepthwiseConv2D(3, padding="same", use_bias=False, name="base_dw")(h)
    d = L.BatchNormalization(name="base_dw_bn")(d)
    h = L.Add(name="base_add")([h, d])
    h = L.GlobalAveragePooling2D(name="base_gap")(h)
    base = keras.Model(inp, h, name="base")
    head = keras.Sequential(
        [keras.Input(shape=(4,)), L.Dense(8, activation="relu", name="head_dense"), L.Dense(10, activation="softmax", name="head_out")],
        name="head",
    )
    nested = keras.Sequential([keras.Input(shape=(28, 28, 1)), base, head], name="nested")
    nested.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    nested.fit(xtr, train_y, epochs=6, batch_size=64, verbose=0)
    nested.save(os.path.join(ROOT, "keras3-nested.keras"))
    expected["models"]["keras3-nested.keras"] = summary(nested.predict(xte, verbose=0), test_y)

    # Keras 2 (tf_keras) Functional CNN with a residual Add, saved as legacy HDF5.
    import tf_keras

    tf_keras.utils.set_random_seed(SEED)
    K2 = tf_keras.layers
    i2 = tf_keras.Input(shape=(28, 28, 1))
    a = K2.Conv2D(4, 3, padding="same", activation="relu", name="c1")(i2)
    b = K2.Conv2D(4, 3, padding="same", name="c2")(a)
    a = K2.Add(name="add")([a, b])
    a = K2.MaxPooling2D(2, name="p1")(a)
    a = K2.SeparableConv2D(6, 3, activation="relu", name="sep")(a)
    a = K2.GlobalAveragePooling2D(name="gap")(a)
    o2 = K2.Dense(10, activation="softmax", name="out")(a)
    legacy = tf_keras.Model(i2, o2, name="tfkeras_cnn")
    legacy.compile(optimizer=tf_keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    legacy.fit(xtr, train_y, epochs=6, batch_size=64, verbose=0)
    legacy.save(os.path.join(ROOT, "tfkeras-cnn.h5"))
    expected["models"]["tfkeras-cnn.h5"] = summary(legacy.predict(xte, verbose=0), test_y)

    # An ONNX CNN (NCHW, logits): weights from a tiny Keras Conv -> ReLU -> GAP -> Dense, trained here.
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    keras.utils.set_random_seed(SEED)
    small = keras.Sequential(
        [keras.Input(shape=(28, 28, 1)), L.Conv2D(8, 3, activation="relu"), L.GlobalAveragePooling2D(), L.Dense(10)]
    )
    small.compile(optimizer=keras.optimizers.Adam(0.01), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    small.fit(xtr, train_y, epochs=6, batch_size=64, verbose=0)
    kernel, bias = small.layers[0].get_weights()
    dense_w, dense_b = small.layers[2].get_weights()
    inits = [
        numpy_helper.from_array(np.transpose(kernel, (3, 2, 0, 1)).astype(np.float32), "conv_w"),
        numpy_helper.from_array(bias.astype(np.float32), "conv_b"),
        numpy_helper.from_array(dense_w.astype(np.float32), "fc_w"),
        numpy_helper.from_array(dense_b.astype(np.float32), "fc_b"),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "conv_w", "conv_b"], ["c"], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "onnx_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        inits,
    )
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make-model-fixtures")
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    onnx.save(onnx_model, os.path.join(ROOT, "onnx-cnn.onnx"))
    session = ort.InferenceSession(os.path.join(ROOT, "onnx-cnn.onnx"), providers=["CPUExecutionProvider"])
    logits = session.run(None, {"input": np.transpose(xte, (0, 3, 1, 2))})[0].astype(np.float64)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected["models"]["onnx-cnn.onnx"] = summary(e / e.sum(axis=1, keepdims=True), test_y)

    # The same CNN taking NHWC images (as a TensorFlow export does), with a Softmax at the end and
    # an output name that says nothing: the layout and the probabilities must be found.
    nhwc_nodes = [helper.make_node("Transpose", ["image"], ["input"], perm=[0, 3, 1, 2])] + nodes
    nhwc_nodes.append(helper.make_node("Softmax", ["logits"], ["output_0"], axis=1))
    nhwc_graph = helper.make_graph(
        nhwc_nodes,
        "onnx_cnn_nhwc",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 28, 28, 1])],
        [helper.make_tensor_value_info("output_0", TensorProto.FLOAT, ["batch", 10])],
        inits,
    )
    nhwc_model = helper.make_model(nhwc_graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make-model-fixtures")
    nhwc_model.ir_version = 8
    onnx.checker.check_model(nhwc_model)
    onnx.save(nhwc_model, os.path.join(ROOT, "onnx-cnn-nhwc.onnx"))
    session = ort.InferenceSession(os.path.join(ROOT, "onnx-cnn-nhwc.onnx"), providers=["CPUExecutionProvider"])
    expected["models"]["onnx-cnn-nhwc.onnx"] = summary(session.run(None, {"image": xte})[0], test_y)

    # scikit-learn pipeline on a tabular CSV, exported by skl2onnx with zipmap disabled.
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from skl2onnx import to_onnx

    X, y = make_classification(n_samples=600, n_features=6, n_informative=4, n_redundant=1, n_classes=3, random_state=SEED)
    X = (X * np.array([1, 10, 0.1, 5, 1, 100]) + np.array([0, 50, 0, -3, 2, 1000])).astype(np.float32)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    pipe.fit(X[:400], y[:400])
    Xt, yt = X[400:], y[400:]
    with open(os.path.join(ROOT, "tabular.csv"), "w") as f:
        f.write("f0,f1,f2,f3,f4,f5,label\n")
        for row, label in zip(Xt, yt):
            f.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")
    onx = to_onnx(pipe, Xt[:1], options={id(pipe): {"zipmap": False}}, target_opset=15)
    with open(os.path.join(ROOT, "sklearn-tabular.onnx"), "wb") as f:
        f.write(onx.SerializeToString())
    sess = ort.InferenceSession(os.path.join(ROOT, "sklearn-tabular.onnx"), providers=["CPUExecutionProvider"])
    ort_probs = sess.run(["probabilities"], {sess.get_inputs()[0].name: Xt})[0]
    expected["models"]["sklearn-tabular.onnx"] = summary(ort_probs, yt)
    expected["models"]["sklearn-tabular.onnx"]["sklearnProbs"] = [
        [float(f"{v:.8g}") for v in row] for row in pipe.predict_proba(Xt)
    ]

    # The same pipeline exported with skl2onnx's default ZipMap (probabilities as a list of dicts).
    zipped = to_onnx(pipe, Xt[:1], target_opset=15)
    with open(os.path.join(ROOT, "sklearn-zipmap.onnx"), "wb") as f:
        f.write(zipped.SerializeToString())

    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=None, separators=(",", ":"))
        f.write("\n")
    for name, value in expected["models"].items():
        print(name, "accuracy", value["accuracy"], "ece", round(value["ece"], 5), file=sys.stderr)


if __name__ == "__main__":
    main()
