"""Writes the small score-file fixtures under test/fixtures/scores/ and the metrics numpy and
scikit-learn compute on them (expected.json), so the TypeScript readers are checked against them
without Python in CI.

    python3 scripts/make-score-fixtures.py

Needs numpy, pyarrow, scikit-learn and scipy. Deterministic (seeded); rerunning rewrites the same files.
"""
import json
import os
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.optimize import minimize_scalar
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'scores')
N, K, BINS = 240, 3, 15
CLASSES = ['cat', 'dog', 'bird']


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def make_data():
    rng = np.random.default_rng(13)
    labels = rng.integers(0, K, N)
    # Logits that favour the true class, sharpened so the scores are overconfident.
    logits = rng.normal(0, 1, (N, K))
    logits[np.arange(N), labels] += 1.2
    logits *= 2.5
    return labels.astype(np.int64), logits.astype(np.float32)


def metrics(labels, probs, logits):
    """The audit's definitions: top-label confidence, 15 equal-width bins [a, b) (last closed)."""
    probs64 = probs.astype(np.float64)
    conf = probs.max(axis=1).astype(np.float64)
    pred = probs.argmax(axis=1)
    correct = (pred == labels).astype(np.float64)
    bins = np.minimum(np.floor(conf * BINS).astype(int), BINS - 1)
    ece = 0.0
    for b in range(BINS):
        mask = bins == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    onehot = np.eye(K)[labels]
    z = logits.astype(np.float64)
    log_softmax = z - z.max(axis=1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(axis=1, keepdims=True))
    return {
        'accuracy': accuracy_score(labels, pred),
        # NLL from log-softmax of the logits (for probabilities: of log p), as the audit computes it.
        'nll': float(-log_softmax[np.arange(len(labels)), labels].mean()),
        'nllSklearn': log_loss(labels, probs64, labels=list(range(K))),
        'brier': float(((probs64 - onehot) ** 2).sum(axis=1).mean()),
        'ece': float(ece),
        'averageConfidence': float(conf.mean()),
        'misclassificationAuroc': roc_auc_score(correct, conf),
        'temperature': fit_temperature(z, labels),
        'countsPerClass': np.bincount(labels, minlength=K).tolist(),
    }


def fit_temperature(logits, labels):
    def nll(log_t):
        z = logits / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        return float(-(z[np.arange(len(labels)), labels] - np.log(np.exp(z).sum(axis=1))).mean())

    result = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20)), method='bounded',
                             options={'xatol': 1e-10})
    return float(np.exp(result.x))


def write_bad_files(labels, probs, logits):
    """One problem each, at a known row, for the validation messages."""
    bad = os.path.join(OUT, 'bad')
    os.makedirs(bad)
    nan = probs.copy()
    nan[6, 1] = np.nan
    np.savez(os.path.join(bad, 'nan-probs.npz'), labels=labels, probs=nan)
    out_of_range = labels.copy()
    out_of_range[11] = 5
    np.savez(os.path.join(bad, 'label-out-of-range.npz'), labels=out_of_range, logits=logits)
    short = probs.copy()
    short[19] *= 0.9
    pq.write_table(pa.table({
        'label': pa.array(labels, pa.int64()),
        **{f'p_{c}': pa.array(short[:, c], pa.float32()) for c in range(K)},
    }), os.path.join(bad, 'sum.parquet'), row_group_size=64)
    np.savez(os.path.join(bad, 'mismatch.npz'), labels=labels[:-1], probs=probs)
    ragged = [list(row) for row in probs]
    ragged[23] = ragged[23][:2]
    pq.write_table(pa.table({
        'label': pa.array(labels, pa.int64()),
        'probs': pa.array(ragged, pa.list_(pa.float32())),
    }), os.path.join(bad, 'ragged-list.parquet'), row_group_size=64)


def write_npy_arrays():
    """Arrays in the dtypes, byte orders and format versions the .npy reader must handle."""
    arrays = os.path.join(OUT, 'arrays')
    os.makedirs(arrays)
    values = np.array([[0.25, -1.5, 3.0], [65504.0, 1e-3, -0.0]])
    cases = {
        'f2': values.astype('<f2'),
        'f4': values.astype('<f4'),
        'be_f8': values.astype('>f8'),
        'fortran_f8': np.asfortranarray(values.astype('<f8')),
        'i8': np.array([0, 2, 1, -3, 2**31 - 1], dtype='<i8'),
        'be_i2': np.array([0, 2, 1, -3, 300], dtype='>i2'),
        'u1': np.array([0, 2, 1, 255], dtype='u1'),
        'b1': np.array([True, False, True]),
        'scalar': np.float32(0.5),
    }
    expected = {}
    for name, array in cases.items():
        np.save(os.path.join(arrays, f'{name}.npy'), array)
        expected[name] = {'shape': list(np.shape(array)),
                          'values': np.asarray(array, dtype=np.float64).ravel(order='C').tolist()}
    with open(os.path.join(arrays, 'v2.npy'), 'wb') as f:
        np.lib.format.write_array(f, values.astype('<f4'), version=(2, 0))
    expected['v2'] = {'shape': [2, 3], 'values': values.astype('<f4').astype(np.float64).ravel().tolist()}
    np.save(os.path.join(arrays, 'structured.npy'),
            np.zeros(2, dtype=[('label', '<i8'), ('probs', '<f4', (3,))]))
    np.save(os.path.join(arrays, 'strings.npy'), np.array(['a', 'bc']))
    np.save(os.path.join(arrays, 'too_big_i8.npy'), np.array([1, 2**40], dtype='<i8'))
    with open(os.path.join(arrays, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=2)
        f.write('\n')


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    labels, logits = make_data()
    probs = softmax(logits.astype(np.float64)).astype(np.float32)
    log_probs = np.log(np.maximum(probs, 1e-7)).astype(np.float32)

    # NumPy: an .npz of labels + logits (stored), one of labels + float64 probs (compressed),
    # and probs.npy beside labels.npy; a Fortran-ordered copy of the probabilities too.
    np.savez(os.path.join(OUT, 'logits.npz'), labels=labels, logits=logits)
    np.savez_compressed(os.path.join(OUT, 'probs.npz'), labels=labels, probs=probs.astype(np.float64),
                        extra=np.arange(5))
    os.makedirs(os.path.join(OUT, 'npy'))
    np.save(os.path.join(OUT, 'npy', 'labels.npy'), labels)
    np.save(os.path.join(OUT, 'npy', 'probs.npy'), probs)
    os.makedirs(os.path.join(OUT, 'npy-fortran'))
    np.save(os.path.join(OUT, 'npy-fortran', 'labels.npy'), labels.astype(np.int32))
    np.save(os.path.join(OUT, 'npy-fortran', 'probs.npy'), np.asfortranarray(probs))

    # Parquet: one file (label + p_0..p_{K-1}, row groups of 64 rows) and a Spark-style folder.
    table = pa.table({
        'id': [f's{i:04d}' for i in range(N)],
        'label': pa.array(labels, pa.int64()),
        **{f'p_{c}': pa.array(probs[:, c], pa.float32()) for c in range(K)},
    })
    pq.write_table(table, os.path.join(OUT, 'scores.parquet'), row_group_size=64)
    parts = os.path.join(OUT, 'parts')
    os.makedirs(parts)
    logit_table = pa.table({
        'label': pa.array(labels, pa.int32()),
        **{f'logit_{c}': pa.array(logits[:, c], pa.float32()) for c in range(K)},
    })
    for i, start in enumerate(range(0, N, 100)):
        pq.write_table(logit_table.slice(start, 100),
                       os.path.join(parts, f'part-{i:05d}-7c1f.c000.snappy.parquet'),
                       compression='snappy', row_group_size=50)
    open(os.path.join(parts, '_SUCCESS'), 'w').close()
    open(os.path.join(parts, '.part-00000-7c1f.c000.snappy.parquet.crc'), 'wb').write(b'crc')

    # Parquet with the scores in one list<float> column, as pandas/pyarrow/Spark write arrays: probs
    # (float32 items) with string ids, and logits (float64 items, two row groups).
    pq.write_table(pa.table({
        'id': [f's{i:04d}' for i in range(N)],
        'label': pa.array(labels, pa.int64()),
        'probs': pa.array(list(probs), pa.list_(pa.float32())),
    }), os.path.join(OUT, 'list-probs.parquet'), row_group_size=100)
    pq.write_table(pa.table({
        'target': pa.array(labels, pa.int32()),
        'logits': pa.array(list(logits.astype(np.float64)), pa.list_(pa.float64())),
    }), os.path.join(OUT, 'list-logits.parquet'), row_group_size=128)

    # CSV: class-named columns with string labels, and logit_ columns.
    with open(os.path.join(OUT, 'named.csv'), 'w') as f:
        f.write('id,' + ','.join(CLASSES) + ',label\n')
        for i in range(N):
            f.write(f's{i:04d},' + ','.join(repr(float(v)) for v in probs[i]) + f',{CLASSES[labels[i]]}\n')
    with open(os.path.join(OUT, 'logits.csv'), 'w') as f:
        f.write('target,' + ','.join(f'logit_{c}' for c in range(K)) + '\n')
        for i in range(N):
            f.write(f'{labels[i]},' + ','.join(repr(float(v)) for v in logits[i]) + '\n')

    write_bad_files(labels, probs, logits)
    write_npy_arrays()

    expected = {
        'n': N,
        'numClasses': K,
        'bins': BINS,
        'classNames': CLASSES,
        'fromLogits': metrics(labels, probs, logits),
        'fromProbabilities': metrics(labels, probs, log_probs),
    }
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
