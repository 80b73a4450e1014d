"""The default initialisation: k-means++ seeding, then one soft assignment.

1. Draw up to `SAMPLE` rows uniformly (NumPy's generator from `seed`).
2. k-means++ on them: the first seed uniformly, each next seed with
   probability proportional to the squared distance to the nearest seed so far
   (for integer codes: 0 if equal, else 1).
3. Responsibilities r[i, k] = 0.9 [k is row i's nearest seed] + 0.1 / K over
   all rows (one kernel pass), and the derived M-step from their statistics.

The 10% spread keeps every component's statistics non-degenerate (a seed
that owns a single row still gets a proper covariance), and the whole
procedure depends only on the data and `seed`: NumPy and Dask fits start
from the same point.
"""

import numpy as np

SAMPLE = 2000
SOFT = 0.1


def sample_rows(X, n_rows, seed):
    """Sorted row indices of a uniform sample (without replacement) of at most SAMPLE rows."""
    rng = np.random.default_rng(seed)
    if n_rows <= SAMPLE:
        return np.arange(n_rows), rng
    return np.sort(rng.choice(n_rows, SAMPLE, replace=False)), rng


def kmeans_pp(points, K, rng, codes=False):
    """K seeds chosen among `points` (n, w) by D^2 sampling."""
    n = points.shape[0]
    first = int(rng.integers(n))
    centers = [points[first]]
    dist = _dist(points, centers[0], codes)
    for _ in range(1, K):
        total = dist.sum()
        if total > 0 and np.isfinite(total):
            pick = int(rng.choice(n, p=dist / total))
        else:  # fewer distinct points than components: any row
            pick = int(rng.integers(n))
        centers.append(points[pick])
        dist = np.minimum(dist, _dist(points, centers[-1], codes))
    return np.array(centers, dtype=float)


def _dist(points, center, codes):
    if codes:
        return (points[:, 0] != center[0]).astype(float)
    return ((points - center) ** 2).sum(axis=1)


def default_params(model, shift_dim):
    """Feasible starting values for every parameter (used before the first M-step and for
    generalized-EM parameters, which improve from where they are)."""
    out = {}
    for p in model.all_params:
        shape = p.shape(model.sizes)
        if p.constraint == "simplex":
            out[p.name] = np.full(shape, 1.0 / shape[p.axes.index(p.axis)])
        elif p.constraint == "spd":
            out[p.name] = np.broadcast_to(np.eye(shape[1]), shape).copy()
        elif p.constraint == "positive":
            out[p.name] = np.ones(shape)
        elif p.constraint == "unit":
            out[p.name] = np.full(shape, 0.5)
        else:
            out[p.name] = np.zeros(shape)
    return out
