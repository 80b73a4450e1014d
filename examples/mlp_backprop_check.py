"""Lesson 5's multilayer perceptron: checking a hand-written backward() by finite differences.

The crash course's NumPy MLP uses

    def dsigmoid(z):
        s = sigmoid(z)
        return 2 * s * (1 - s)        # the true derivative is s * (1 - s)

`codegen.gradcheck` takes the network's parameters as a dict {W1, b1, ...},
compares the backward pass with finite differences of the loss for every
entry, and reports per parameter.  The factor 2 enters at the output layer
(layer 3, the only sigmoid) and flows down to every earlier layer through
backpropagation, so all six parameters are off by exactly 2.  Checking each
activation's derivative on its own then pins it on dsigmoid; with the fix,
the check passes.

The published code also averages db over the samples (np.mean) but sums dW
(a.T @ dz): a second, independent scaling bug, shown at the end.

    python examples/mlp_backprop_check.py
"""

import numpy as np

import codegen


def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


def dsigmoid_published(z):
    s = sigmoid(z)
    return 2 * s * (1 - s)


def dsigmoid_fixed(z):
    s = sigmoid(z)
    return s * (1 - s)


def relu(z):
    return np.maximum(0, z)


def drelu(z):
    return (z > 0).astype(float)


class MLP:
    """Forward and backward exactly in the crash course's style (rows are samples)."""

    def __init__(self, sizes, activations, derivatives, bias_mean=False):
        self.sizes, self.activations, self.derivatives = sizes, activations, derivatives
        self.bias_mean = bias_mean

    def initialize(self, seed=42):
        rng = np.random.default_rng(seed)
        return {name: value for l, (n_in, n_out) in enumerate(zip(self.sizes, self.sizes[1:]), 1)
                for name, value in ((f"W{l}", rng.normal(size=(n_in, n_out)) * 0.8),
                                    (f"b{l}", rng.normal(size=(1, n_out)) * 0.3))}

    def loss(self, params, X, y):
        yhat = self.forward(params, X)[1][-1]
        eps = 1e-12
        return float(-np.mean(y * np.log(yhat + eps) + (1 - y) * np.log(1 - yhat + eps)))

    def forward(self, params, X):
        z, a = [None], [X]
        for l, act in enumerate(self.activations, 1):
            z.append(a[-1] @ params[f"W{l}"] + params[f"b{l}"])
            a.append(act(z[-1]))
        return z, a

    def backward(self, params, X, y):
        z, a = self.forward(params, X)
        n = X.shape[0]
        yhat = a[-1]
        da = (-(y / yhat) + (1 - y) / (1 - yhat)) / n  # d mean(cross-entropy) / d yhat
        grads = {}
        for l in range(len(self.activations), 0, -1):
            dz = da * self.derivatives[l - 1](z[l])
            grads[f"W{l}"] = a[l - 1].T @ dz
            grads[f"b{l}"] = np.mean(dz, axis=0, keepdims=True) if self.bias_mean else dz.sum(axis=0, keepdims=True)
            da = dz @ params[f"W{l}"].T
        return grads


def two_circles(n=200, seed=0):
    """The lesson's make_circles(factor=0.5, noise=0.1), without scikit-learn."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, n)
    label = rng.integers(0, 2, n)
    radius = np.where(label == 1, 0.5, 1.0)
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)] + rng.normal(0, 0.1, (n, 2))
    return X, label.reshape(-1, 1).astype(float)


def check(model, params, X, y):
    return codegen.gradcheck(lambda p: model.loss(p, X, y), lambda p: model.backward(p, X, y), params, points=1)


def main(outdir=None):
    X, y = two_circles()
    sizes = [2, 4, 3, 1]
    buggy = MLP(sizes, [relu, relu, sigmoid], [drelu, drelu, dsigmoid_published])
    params = buggy.initialize()

    report = check(buggy, params, X, y)
    print("backward() with the published dsigmoid:")
    print(report)
    order = list(params)
    wrong = [p.name for p in report.parameters if p.wrong]
    entry_layer = max(int(name[1:]) for name in wrong)
    print(f"-> the error enters at layer {entry_layer} (the first layer backward() visits with a wrong "
          f"gradient); earlier layers inherit it through backpropagation.")

    # which derivative function is wrong? check each one against its activation
    z = np.linspace(-3, 3, 7)
    per_function = {
        "dsigmoid": codegen.gradcheck(lambda v: np.sum(sigmoid(v)), dsigmoid_published, z, points=0),
        "drelu": codegen.gradcheck(lambda v: np.sum(relu(v)), drelu, z + 0.05, points=0),
    }
    for name, r in per_function.items():
        print(f"{name}: {r.status}" + (f" (claimed / true = {r.worst.claimed / r.worst.estimate:.6g})"
                                       if r.status == "mismatch" else ""))

    fixed = MLP(sizes, [relu, relu, sigmoid], [drelu, drelu, dsigmoid_fixed])
    fixed_report = check(fixed, params, X, y)
    print("with dsigmoid fixed:", fixed_report.status)
    print(fixed_report)

    mean_bias = MLP(sizes, [relu, relu, sigmoid], [drelu, drelu, dsigmoid_fixed], bias_mean=True)
    bias_report = check(mean_bias, params, X, y)
    print("the published db = np.mean(dz) (while dW sums):")
    print(bias_report)
    return {"buggy": report, "entry_layer": entry_layer, "per_function": per_function, "fixed": fixed_report,
            "bias_mean": bias_report, "n_samples": X.shape[0], "order": order}


if __name__ == "__main__":
    main()
