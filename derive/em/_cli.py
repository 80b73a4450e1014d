"""`derive em`: print the derived updates, or fit a CSV file and plot it.

    derive em normal --k 3 --dim 2 --cov full
    derive em normal --k 3 --data points.csv --plot fit.png --json
    derive em custom "a*log(b) - loggamma(a) + (a - 1)*log(x) - b*x" --params "a b: positive" --k 2 --data x.csv
    derive em poisson --k 2 --prior "rates: gamma(2, 1)" --prior "weights: dirichlet(2)" --data counts.csv

Data files are read with the csv module and float() (never eval): one row per
observation, an optional header line, the same number of columns everywhere.
"""

import csv
import json
import re

import numpy as np

from ..errors import DeriveError
from . import priors
from .families import FAMILIES, mixture
from .families.custom import custom
from .updates import derive_updates

FAMILY_CHOICES = (*FAMILIES, "custom")
MAX_ROWS = 50_000_000


def add_parser(sub):
    """The `em` subcommand's arguments (called from derive.cli.build_parser)."""
    import argparse

    p = sub.add_parser(
        "em", help="EM for mixtures: derive the updates, fit a CSV file, plot",
        description="Derive (and validate) the E-step and M-step of a mixture model and print them; with --data, "
                    "fit the model to a CSV file (one row per observation) and optionally plot it.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  derive em normal --k 3 --dim 2 --cov full\n"
               "  derive em normal --k 3 --data points.csv --plot fit.png\n"
               "  derive em custom \"-log(s) - x/s\" --params \"s: positive\" --k 2 --data waits.csv\n"
               "  derive em poisson --k 2 --prior \"rates: gamma(2, 1)\" --prior \"weights: dirichlet(2)\"\n"
               "priors: dirichlet(alpha), gamma(shape, rate), beta(a, b), niw(mean=0, kappa=1, dof=4, scale=1)")
    p.add_argument("family", choices=FAMILY_CHOICES, help="the component family, or custom")
    p.add_argument("logpdf", nargs="?", help="custom only: the component log density in x and the parameters")
    p.add_argument("--k", type=int, required=True, help="number of components")
    p.add_argument("--dim", type=int, help="coordinates (categories for categorical); default: the data's width, or 1")
    p.add_argument("--cov", choices=("full", "diag", "spherical"), default="full", help="normal: covariance type")
    p.add_argument("--params", help='custom: parameter constraints, e.g. "mu: real, s: positive"')
    p.add_argument("--data-symbol", default="x", help="custom: the data symbol (default x)")
    p.add_argument("--prior", action="append", default=[], metavar="NAME: PRIOR",
                   help='a prior, e.g. "weights: dirichlet(2)" (repeatable)')
    p.add_argument("--data", metavar="FILE.csv", help="fit the model to this file")
    p.add_argument("--plot", metavar="FILE.png", help="with --data: plot the clusters and the log-likelihood trace")
    p.add_argument("--max-iter", type=int, default=100)
    p.add_argument("--tol", type=float, default=1e-8, help="stop when the mean log-likelihood per row changes less")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--reg-covar", type=float, default=0.0, help="normal: add this to the covariance diagonals")
    p.add_argument("--explain", action="store_true", help="tell the derivation step by step")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def run(args):
    X = read_csv(args.data) if args.data else None
    if args.plot and X is None:
        raise DeriveError("--plot needs --data FILE.csv")
    prior = parse_priors(args.prior)
    if args.family == "custom":
        if not args.logpdf or not args.params:
            raise DeriveError('custom needs the log density and --params, e.g. derive em custom "-log(s) - x/s" '
                              '--params "s: positive" --k 2')
        model = custom(args.logpdf, args.params, args.k, data=args.data_symbol, prior=prior)
    else:
        if args.logpdf:
            raise DeriveError(f"{args.family} takes no log density (that is for 'derive em custom')")
        dim = args.dim
        if dim is None:
            dim = int(np.max(X) + 1) if (X is not None and args.family == "categorical") else (
                X.shape[1] if X is not None else 1)
        model = mixture(args.family, args.k, dim=dim, cov=args.cov, prior=prior)
    updates = derive_updates(model)
    fit = None
    if X is not None:
        fit = updates.fit(X, max_iter=args.max_iter, tol=args.tol, seed=args.seed, reg_covar=args.reg_covar)
    plot = None
    if args.plot:
        import contextlib
        import io

        quiet = contextlib.redirect_stdout(io.StringIO()) if args.json else contextlib.nullcontext()
        with quiet:  # --json prints one JSON object and nothing else
            plot = str(fit.plot(args.plot))
    if args.json:
        out = {"updates": updates.to_dict()}
        if args.explain:
            out["explanation"] = updates.explain().to_dict()
        if fit is not None:
            out["fit"] = fit.to_dict()
        if plot:
            out["plot"] = plot
        print(json.dumps(out, indent=2, default=str))
    else:
        print(updates.explain() if args.explain else updates)
        if fit is not None:
            print()
            print(fit)
    return 0


_PRIOR = re.compile(r"^\s*(\w+)\s*:\s*(\w+)\s*\((.*)\)\s*$")
_PRIORS = {"dirichlet": ("Dirichlet", ["alpha"]), "gamma": ("Gamma", ["shape", "rate"]),
           "beta": ("Beta", ["a", "b"]), "niw": ("NormalInverseWishart", ["mean", "kappa", "dof", "scale"]),
           "normalinversewishart": ("NormalInverseWishart", ["mean", "kappa", "dof", "scale"])}


def parse_priors(items):
    """{"weights": Dirichlet(2.0), ...} from ["weights: dirichlet(2)", ...]; numbers only, never eval."""
    out = {}
    for item in items:
        m = _PRIOR.match(item)
        if not m or m.group(2).lower() not in _PRIORS:
            raise DeriveError(f"cannot read the prior '{item}'; write e.g. \"weights: dirichlet(2)\", "
                              "\"rates: gamma(2, 1)\", \"probs: beta(2, 2)\", \"means: niw(kappa=0.01, dof=4)\"")
        name, kind, body = m.group(1), m.group(2).lower(), m.group(3)
        cls_name, order = _PRIORS[kind]
        args, kwargs = [], {}
        for part in filter(None, (p.strip() for p in body.split(","))):
            key, _, value = part.rpartition("=")
            number = _number(value.strip(), item)
            if key:
                if key.strip() not in order:
                    raise DeriveError(f"{kind}() has no argument '{key.strip()}'; it takes {', '.join(order)}")
                kwargs[key.strip()] = number
            else:
                args.append(number)
        if len(args) > len(order):
            raise DeriveError(f"{kind}() takes at most {len(order)} arguments ({', '.join(order)})")
        out[name] = getattr(priors, cls_name)(*args, **kwargs)
    return out


def _number(text, item):
    try:
        value = float(text)
    except ValueError:
        raise DeriveError(f"'{text}' in the prior '{item}' is not a number") from None
    return value


def read_csv(path):
    """Rows of numbers from a CSV file; an optional header; a clear error for anything else."""
    try:
        fh = open(path, newline="")  # noqa: SIM115 - closed by `with fh` below; only open's OSError is caught
    except OSError as exc:
        raise DeriveError(f"cannot read {path}: {exc.strerror}") from None
    rows = []
    with fh:
        reader = csv.reader(fh)
        width = None
        for line, row in enumerate(reader, 1):
            fields = [f.strip() for f in row]
            if not fields or all(f == "" for f in fields):
                continue
            try:
                values = [float(f) for f in fields]
            except ValueError:
                if not rows and width is None:  # a header line
                    width = len(fields)
                    continue
                bad = next(f for f in fields if not _is_float(f))
                raise DeriveError(f"{path}, line {line}: '{bad}' is not a number") from None
            if width is None:
                width = len(values)
            if len(values) != width:
                plural = "s" if len(values) != 1 else ""
                raise DeriveError(f"{path}, line {line}: {len(values)} column{plural}, but the file has {width}")
            rows.append(values)
            if len(rows) > MAX_ROWS:
                raise DeriveError(f"{path}: more than {MAX_ROWS} rows; use the Python API with a Dask array")
    if not rows:
        raise DeriveError(f"{path}: no rows of numbers")
    return np.array(rows, dtype=float)


def _is_float(text):
    try:
        float(text)
        return True
    except ValueError:
        return False
