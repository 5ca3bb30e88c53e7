"""Writes test/fixtures/models/sklearn-columns.onnx: a scikit-learn pipeline whose ColumnTransformer
reads three named columns of tabular.csv (f3, f0, f5: not the CSV's order, and not all its feature
columns), exported by skl2onnx with one ONNX input per column, as skl2onnx does for a DataFrame.
onnxruntime's probabilities on tabular.csv go to sklearn-columns.json, so that the TypeScript audit
is checked against them without Python in CI.

    python3 scripts/make-onnx-columns-fixture.py

Needs pandas, scikit-learn, skl2onnx, onnxruntime (after make-model-fixtures.py wrote tabular.csv).
"""
import json
import os

import numpy as np
import onnxruntime as ort
import pandas as pd
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "models")
COLUMNS = ["f3", "f0", "f5"]


def main():
    frame = pd.read_csv(os.path.join(ROOT, "tabular.csv"))
    X = frame[[c for c in frame.columns if c != "label"]].astype(np.float32)
    y = frame["label"].to_numpy()
    pipe = make_pipeline(
        ColumnTransformer([("scale", StandardScaler(), COLUMNS)], remainder="drop"),
        LogisticRegression(max_iter=500),
    )
    # Trained on the first half; the audit reads every row.
    pipe.fit(X[:100], y[:100])
    onx = to_onnx(
        pipe,
        initial_types=[(name, FloatTensorType([None, 1])) for name in COLUMNS],
        options={id(pipe): {"zipmap": False}},
        target_opset=15,
    )
    path = os.path.join(ROOT, "sklearn-columns.onnx")
    with open(path, "wb") as f:
        f.write(onx.SerializeToString())
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    inputs = {name: X[[name]].to_numpy() for name in COLUMNS}
    probs = session.run(["probabilities"], inputs)[0]
    expected = {
        "inputs": [i.name for i in session.get_inputs()],
        "probs": [[float(f"{v:.8g}") for v in row] for row in probs],
        "sklearnProbs": [[float(f"{v:.8g}") for v in row] for row in pipe.predict_proba(X)],
        "accuracy": float((probs.argmax(axis=1) == y).mean()),
    }
    with open(os.path.join(ROOT, "sklearn-columns.json"), "w") as f:
        json.dump(expected, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
