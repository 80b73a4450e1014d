"""The table of LaTeX commands derive reads, and what each becomes in derive's grammar.

One entry per command: its kind (how the grammar reads it, to_tree.py), the name or function
it becomes, and its arguments as pylatexenc writes them ("{{" two braced arguments, "[{" an
optional one and a braced one).  A command not in this table is refused by name
("\\iint is not supported"); the TeX programming commands in HOSTILE are refused before the
reader even starts.
"""

from dataclasses import dataclass

from ..functions import FUNCTIONS as GRAMMAR_FUNCTIONS


@dataclass(frozen=True)
class Command:
    kind: str
    value: str = None
    args: str = ""

    def describe_args(self):
        braced = self.args.count("{")
        words = {1: "one argument {..}", 2: "two arguments {..}{..}"}.get(braced, f"{braced} arguments")
        return words + (" (and an optional [..])" if "[" in self.args else "")


def _all(kind, names, value=None, args=""):
    return {name: Command(kind, value if value is not None else name, args) for name in names}


GREEK = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"]

# the variant letters are the same names (a student writes \varepsilon and \epsilon for one thing)
VARIANTS = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho", "varsigma": "sigma",
            "varpi": "pi", "ell": "l"}

# \exp x, \log(x): the function each command calls in derive's grammar
FUNCTIONS = {"exp": "exp", "log": "log", "ln": "log", "sin": "sin", "cos": "cos", "tan": "tan", "sinh": "sinh",
             "cosh": "cosh", "tanh": "tanh", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "det": "det",
             "max": "max", "min": "min", "tr": "tr", "Tr": "tr", "trace": "tr", "diag": "diag", "sgn": "sign"}

# words inside \operatorname{..}, \mathrm{..}, \text{..} that are functions (others are names): every
# function of the grammar's table (SymPy prints erf, asinh, atan as \operatorname{erf}{\left(y \right)}),
# then the LaTeX spellings
OPERATOR_WORDS = dict({name: name for name in GRAMMAR_FUNCTIONS if name not in ("where", "max", "min")},
                      **FUNCTIONS, **{"softmax": "softmax", "sigmoid": "sigmoid", "logdet": "logdet", "relu": "relu",
                                    "ReLU": "relu", "softplus": "softplus", "logsumexp": "logsumexp", "sign": "sign",
                                    "diagonal": "diagonal", "vec": None, "argmax": None, "argmin": None,
                                    "rank": None, "E": None, "Var": None, "Cov": None},
                      # information theory; never a bare H (a Hessian, a hypothesis, a matrix)
                      **{"entropy": "entropy", "KL": "kl", "kl": "kl", "CE": "cross_entropy",
                         "crossentropy": "cross_entropy", "logsoftmax": "log_softmax"})

COMMANDS = {
    **_all("fraction", ("frac", "dfrac", "tfrac", "cfrac"), args="{{"),
    **_all("root", ("sqrt",), args="[{"),
    **_all("font", ("mathbf", "boldsymbol", "bm", "vec", "mathit", "mathsf", "mathcal", "mathbb", "mathbbm",
                    "mathds", "mathnormal", "pmb", "bold", "mathbfit"), args="{"),
    **_all("word", ("mathrm", "operatorname", "text", "textrm", "textit", "textbf", "textsf", "mbox"), args="{"),
    **_all("accent", ("hat", "widehat"), "hat", args="{"),
    **_all("accent", ("bar", "overline"), "bar", args="{"),
    **_all("accent", ("tilde", "widetilde"), "tilde", args="{"),
    **{name: Command("name", name) for name in GREEK},
    **{name: Command("name", base) for name, base in VARIANTS.items()},
    **{name: Command("function", fn) for name, fn in FUNCTIONS.items()},
    "sigma": Command("sigma", "sigma"),  # \sigma(z) the sigmoid, a bare \sigma a name
    **_all("product", ("cdot", "times", "ast", "cdotp")),
    **_all("entrywise", ("odot", "circ")),
    **_all("divide", ("div",)),
    **_all("sizer", ("left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
                     "biggr", "Biggl", "Biggr", "middle")),
    **_all("norm_bar", ("|", "Vert", "lVert", "rVert")),
    **_all("abs_bar", ("vert", "lvert", "rvert")),
    **_all("space", (",", ";", ":", "!", " ", "quad", "qquad", "enspace", "thinspace", "medspace", "thickspace",
                     "displaystyle", "textstyle", "limits", "nolimits")),
    **_all("open", ("lparen", "lbrack"), "("),
    **_all("close", ("rparen", "rbrack"), ")"),
    **_all("big_sum", ("sum",)),
    **_all("big_prod", ("prod",)),
    **_all("transpose", ("top", "intercal", "T")),
    **_all("prime", ("prime",)),
    **_all("derivative", ("partial", "nabla")),
    "le": Command("relation", "<="), "leq": Command("relation", "<="), "leqslant": Command("relation", "<="),
    "ge": Command("relation", ">="), "geq": Command("relation", ">="), "geqslant": Command("relation", ">="),
    "lt": Command("relation", "<"), "gt": Command("relation", ">"),
    "neq": Command("relation", "!="), "ne": Command("relation", "!="),
    "otimes": Command("refused", "\\otimes (the Kronecker product) is not supported; write the product out "
                                 "with indices or use \\odot for the elementwise product"),
    "oplus": Command("refused", "\\oplus is not supported"),
    "infty": Command("refused", "\\infty is not a number derive accepts"),
    "cdots": Command("refused", "\\cdots is not a formula: write the sum or product with \\sum or \\prod"),
    "ldots": Command("refused", "\\ldots is not a formula: write the sum or product with \\sum or \\prod"),
    "dots": Command("refused", "\\dots is not a formula: write the sum or product with \\sum or \\prod"),
    "\\": Command("refused", "\\\\ (a line break) ends a line: a derivation of several lines is read by "
                             "derive.check_derivation"),
}

# TeX's programming commands: file access, definitions, category codes, output.  Refused on sight.
HOSTILE = ("input", "include", "includeonly", "def", "edef", "gdef", "xdef", "let", "futurelet", "newcommand",
           "renewcommand", "providecommand", "DeclareMathOperator", "DeclareRobustCommand", "newenvironment",
           "renewenvironment", "csname", "endcsname", "catcode", "write", "immediate", "openout", "openin", "read",
           "closeout", "closein", "usepackage", "documentclass", "special", "directlua", "luaexec", "expandafter",
           "loop", "repeat", "shipout", "newread", "newwrite", "jobname", "scantokens", "begingroup", "endgroup",
           "uppercase", "lowercase", "string", "detokenize", "noexpand", "afterassignment", "everymath", "output")
