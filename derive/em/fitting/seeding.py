"""The default initialisation: k-means++ seeding, then one soft assignment.

1. Draw up to `SAMPLE` rows uniformly (NumPy's generator from `seed`).
2. k-means++ on them: the first seed uniformly, each next seed with
   probability proportional to the squared distance to the nearest seed so far
   (for integer codes: 0 if equal, else 1), greedy as in scikit-learn (the
   best of 2 + log K candidates each time), then a few Lloyd (k-means)
   iterations on the sample (not for codes, whose mean means nothing); the
   best of 3 such runs.
3. Responsibilities r[i, k] = 0.95 [k is row i's nearest seed] + 0.05 / K
   over all rows (one kernel pass), and the derived M-step from their
   statistics.

The 5% spread keeps every component's statistics non-degenerate (a seed
that owns a single row still gets a proper covariance), and the whole
procedure depends only on the data and `seed`: NumPy and Dask fits start
from the same point.
"""

import numpy as np

SAMPLE = 2000
SOFT = 0.05
LLOYD = 10
RESTARTS = 3


def sample_rows(n_rows, seed):
    """Sorted row indices of a uniform sample (without replacement) of at most SAMPLE rows."""
    rng = np.random.default_rng(seed)
    if n_rows <= SAMPLE:
        return np.arange(n_rows), rng
    return np.sort(rng.choice(n_rows, SAMPLE, replace=False)), rng


def kmeans_pp(points, K, rng, codes=False):
    """K seeds among `points` (n, w): greedy k-means++ (each step keeps the best of 2 + log K
    candidates drawn by D^2 sampling), refined by Lloyd iterations; best of RESTARTS runs."""
    best, best_cost = None, np.inf
    for _ in range(RESTARTS):
        centers = _seed_once(points, K, rng, codes)
        cost = np.min(np.stack([_dist(points, c, codes) for c in centers]), axis=0).sum()
        if cost < best_cost:
            best, best_cost = centers, cost
    return best


def _seed_once(points, K, rng, codes):
    n = points.shape[0]
    trials = 2 + int(np.log(max(K, 1)))
    centers = [points[int(rng.integers(n))]]
    dist = _dist(points, centers[0], codes)
    for _ in range(1, K):
        total = dist.sum()
        if not (total > 0 and np.isfinite(total)):  # fewer distinct points than components: any row
            picks = [int(rng.integers(n))]
        else:
            picks = rng.choice(n, size=trials, p=dist / total)
        options = [np.minimum(dist, _dist(points, points[p], codes)) for p in picks]
        choice = int(np.argmin([o.sum() for o in options]))
        centers.append(points[picks[choice]])
        dist = options[choice]
    centers = np.array(centers, dtype=float)
    if not codes:
        for _ in range(LLOYD):
            nearest = np.argmin(((points[:, None, :] - centers[None]) ** 2).sum(axis=2), axis=1)
            for kk in range(K):
                members = points[nearest == kk]
                if len(members):
                    centers[kk] = members.mean(axis=0)
    return centers


def _dist(points, center, codes):
    if codes:
        return (points[:, 0] != center[0]).astype(float)
    return ((points - center) ** 2).sum(axis=1)


def default_params(model):
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
