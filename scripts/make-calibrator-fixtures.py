#!/usr/bin/env python3
"""Reference values for the calibrators, the CORP diagram and the library-convention metrics.

Usage: python3 scripts/make-calibrator-fixtures.py DEMO_PREDICTIONS.csv
  (DEMO_PREDICTIONS.csv from `npx calibration-audit demo --predictions FILE`.)

Writes test/fixtures/calibrators/reference.json with, on the demo's predictions (logits = log p):
- a 10-class subset split into calibration (even rows) and evaluation (odd rows) parts, and a
  binary subset (T-shirt/top vs Shirt, logits (log p0, log p6));
- each calibrator's fitted parameters and calibrated evaluation probabilities from the reference
  library: netcal 1.4 HistogramBinning(bins=10); scikit-learn 1.9 CalibratedClassifierCV(
  FrozenEstimator, method='isotonic'); scikit-learn LogisticRegression(C=inf) on the
  log-odds (Platt); temperature, vector scaling and ODIR matrix/Dirichlet maps minimised with
  scipy's L-BFGS-B to a gradient of 1e-12 (netcal's own scaling methods train with torch
  optimisers to a looser tolerance; netcal's temperature is recorded for comparison);
- the CORP curve (scikit-learn IsotonicRegression of correctness on top-label confidence) and the
  Brier and log score decompositions on the full demo;
- netcal ECE(15), netcal ACE(15) and ACE(10), relplot 1.0.3 smECE, on the full demo.
"""
import json
import sys
from pathlib import Path

import numpy as np
import relplot
import scipy.optimize as so
from netcal.binning import HistogramBinning
from netcal.metrics import ACE, ECE
from netcal.scaling import TemperatureScaling
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

OUT = Path(__file__).resolve().parent.parent / 'test' / 'fixtures' / 'calibrators' / 'reference.json'
SUBSET = 1200
SHOWN = 60  # evaluation rows whose probabilities are stored


def read_demo(path):
    rows = [line.strip().split(',') for line in open(path)][1:]
    labels = np.array([int(r[1]) for r in rows])
    probs = np.array([[float(v) for v in r[4:]] for r in rows], dtype=np.float64)
    return labels, probs


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def nll_affine(theta, x, y, build, penalty=None):
    z, grad_z_to_theta = build(theta, x)
    p = softmax(z)
    n = len(y)
    value = -np.log(p[np.arange(n), y]).mean()
    g = p.copy()
    g[np.arange(n), y] -= 1
    grad = grad_z_to_theta(g) / n
    if penalty:
        pv, pg = penalty(theta)
        value += pv
        grad = grad + pg
    return value, grad


def minimise(theta0, x, y, build, penalty=None):
    res = so.minimize(nll_affine, theta0, args=(x, y, build, penalty), jac=True, method='L-BFGS-B',
                      options={'gtol': 1e-12, 'ftol': 1e-16, 'maxiter': 20000, 'maxcor': 20})
    return res.x


def temperature_build(theta, x):
    return x * theta[0], lambda g: np.array([(g * x).sum()])


def vector_build(theta, x):
    K = x.shape[1]
    w, b = theta[:K], theta[K:]
    return x * w + b, lambda g: np.concatenate([(g * x).sum(axis=0), g.sum(axis=0)])


def full_build(theta, x):
    K = x.shape[1]
    W = theta[:K * K].reshape(K, K)
    b = theta[K * K:]
    return x @ W.T + b, lambda g: np.concatenate([(g.T @ x).reshape(-1), g.sum(axis=0)])


def odir(K, lam, mu):
    off = lam / (K * (K - 1))
    mask = 1 - np.eye(K)

    def penalty(theta):
        W = theta[:K * K].reshape(K, K)
        b = theta[K * K:]
        value = off * ((W * mask) ** 2).sum() + mu / K * (b ** 2).sum()
        grad = np.concatenate([(2 * off * W * mask).reshape(-1), 2 * mu / K * b])
        return value, grad
    return penalty


class Passthrough(ClassifierMixin, BaseEstimator):
    """A 'classifier' whose probabilities are its input, to calibrate stored scores."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.asarray(X)

    def predict(self, X):
        return self.classes_[np.asarray(X).argmax(axis=1)]


def main():
    labels, probs = read_demo(sys.argv[1])
    K = probs.shape[1]
    logits = np.log(probs)
    sub = np.arange(SUBSET)
    cal, ev = sub[0::2], sub[1::2]
    xc, yc, xe, ye = logits[cal], labels[cal], logits[ev], labels[ev]
    out = {
        'source': 'calibration-audit demo --predictions (Fashion-MNIST demo model); logits = log p',
        'numClasses': K,
        'calibration': {'logits': xc.tolist(), 'labels': yc.tolist()},
        'evaluation': {'logits': xe.tolist(), 'labels': ye.tolist()},
        'shownRows': SHOWN,
        'arms': {},
    }

    def record(name, probs_eval, parameters, library):
        out['arms'][name] = {
            'library': library,
            'parameters': parameters,
            'probs': probs_eval[:SHOWN].tolist(),
            'nll': float(-np.log(np.clip(probs_eval[np.arange(len(ye)), ye], 1e-7, 1)).mean()),
        }

    beta = minimise(np.array([1.0]), xc, yc, temperature_build)[0]
    ts = TemperatureScaling()
    ts.fit(softmax(xc), yc)
    netcal_probs = np.asarray(ts.transform(softmax(xe)))
    record('temperature', softmax(xe * beta), {'temperature': 1 / beta,
           'netcalMaxAbsDifference': float(np.abs(netcal_probs - softmax(xe * beta)).max())},
           'scipy L-BFGS-B on the NLL (netcal TemperatureScaling compared)')
    theta = minimise(np.concatenate([np.ones(K), np.zeros(K)]), xc, yc, vector_build)
    record('vector', softmax(vector_build(theta, xe)[0]),
           {'weights': theta[:K].tolist(), 'biases': theta[K:].tolist()}, 'scipy L-BFGS-B on the NLL')
    lam = 0.01
    eye = np.concatenate([np.eye(K).reshape(-1), np.zeros(K)])
    theta = minimise(eye, xc, yc, full_build, odir(K, lam, lam))
    record('matrix', softmax(full_build(theta, xe)[0]), {'lambda': lam, 'theta': theta.tolist()},
           'scipy L-BFGS-B on NLL + ODIR')
    lpc, lpe = np.log(softmax(xc)), np.log(softmax(xe))
    theta = minimise(eye, lpc, yc, full_build, odir(K, lam, lam))
    record('dirichlet', softmax(full_build(theta, lpe)[0]), {'lambda': lam, 'theta': theta.tolist()},
           'scipy L-BFGS-B on NLL + ODIR of log-probabilities')
    hb = HistogramBinning(bins=10)
    hb.fit(softmax(xc), yc)
    record('histogram', hb.transform(softmax(xe)), {}, 'netcal 1.4 HistogramBinning(bins=10)')
    iso = CalibratedClassifierCV(FrozenEstimator(Passthrough().fit(softmax(xc), yc)), method='isotonic')
    iso.fit(softmax(xc), yc)
    record('isotonic', iso.predict_proba(softmax(xe)), {}, 'scikit-learn CalibratedClassifierCV(method="isotonic")')

    # Binary: T-shirt/top (0) vs Shirt (6), logits (log p0, log p6).
    keep = np.nonzero((labels == 0) | (labels == 6))[0][:800]
    bl = np.log(probs[keep][:, [0, 6]])
    by = (labels[keep] == 6).astype(int)
    bc, be = np.arange(len(keep))[0::2], np.arange(len(keep))[1::2]
    s = bl[:, 1] - bl[:, 0]
    lr = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(s[bc, None], by[bc])
    platt_p1 = lr.predict_proba(s[be, None])[:, 1]
    biso = CalibratedClassifierCV(FrozenEstimator(Passthrough().fit(softmax(bl[bc]), by[bc])), method='isotonic')
    biso.fit(softmax(bl[bc]), by[bc])
    out['binary'] = {
        'calibration': {'logits': bl[bc].tolist(), 'labels': by[bc].tolist()},
        'evaluation': {'logits': bl[be].tolist(), 'labels': by[be].tolist()},
        'platt': {'a': float(lr.coef_[0, 0]), 'b': float(lr.intercept_[0]),
                  'p1': platt_p1.tolist(), 'library': 'scikit-learn LogisticRegression(C=inf)'},
        'isotonic': {'p1': biso.predict_proba(softmax(bl[be]))[:, 1].tolist(),
                     'library': 'scikit-learn CalibratedClassifierCV(method="isotonic")'},
    }

    # Full demo, top label.
    conf = probs.max(axis=1)
    pred = probs.argmax(axis=1)
    correct = (pred == labels).astype(float)
    ir = IsotonicRegression(out_of_bounds='clip').fit(conf, correct)
    recal = ir.predict(conf)
    acc = correct.mean()

    def decompose(score, c):
        s, sc, sr = score(c, correct).mean(), score(recal, correct).mean(), score(np.full_like(c, acc), correct).mean()
        return {'score': s, 'mcb': s - sc, 'dsc': sr - sc, 'unc': sr}

    brier = lambda p, y: (p - y) ** 2
    with np.errstate(divide='ignore'):
        logs = lambda p, y: -np.where(y == 1, np.log(p), np.log(1 - p))
    qs = np.quantile(conf, np.linspace(0, 1, 41))
    out['topLabel'] = {
        'confidence': conf.tolist(),
        'correct': correct.astype(int).tolist(),
        'corpCurveAt': {'x': qs.tolist(), 'y': ir.predict(qs).tolist(),
                        'library': 'scikit-learn IsotonicRegression(out_of_bounds="clip")'},
        'brier': decompose(brier, conf),
        'logScore': decompose(logs, np.clip(conf, 1e-7, 1 - 1e-7)),
        'netcalEce15': float(ECE(bins=15).measure(probs, labels)),
        'netcalAce15': float(ACE(bins=15).measure(probs, labels)),
        'netcalAce10': float(ACE(bins=10).measure(probs, labels)),
        'relplotSmoothEce': [float(v) for v in relplot.smECE(conf, correct, return_width=True)],
        'versions': {'relplot': getattr(relplot, '__version__', '1.0.3')},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, separators=(',', ':')))
    print(f'wrote {OUT} ({OUT.stat().st_size} bytes)')
    print({k: v for k, v in out['topLabel'].items() if k not in ('confidence', 'correct', 'corpCurveAt')})
    print({k: v['parameters'].get('temperature') for k, v in out['arms'].items() if k == 'temperature'},
          out['arms']['temperature']['parameters'])


if __name__ == '__main__':
    main()
