"""Budgets: how much text, nesting, constant size and time derive will spend.

Constant size is bounded by an estimate that follows the arithmetic (bits of
a power = exponent x bits of the base, of a product = the sum), checked before
SymPy computes anything, so regrouping (`((9**9)**9999)**9999`) cannot slip
past a per-literal check.  Time is bounded with SIGALRM where available (the
main thread on Unix); elsewhere symbolic work runs without a clock but every
step that could explode (simplification) is optional.
"""

import math
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from sympy import Float, Rational

from ..errors import LimitError


@dataclass(frozen=True)
class Limits:
    max_length: int = 20_000  # characters of input text
    max_nodes: int = 5_000  # syntax-tree nodes
    max_depth: int = 100  # nesting of calls/parentheses (sums and products are flat)
    max_constant_bits: int = 14_000  # about 4,200 decimal digits (Python prints at most 4,300)
    seconds: float = 20.0  # symbolic work per call


DEFAULT_LIMITS = Limits()


def constant_bits(value):
    """Size in bits of an exact SymPy number (0 for floats and non-numbers)."""
    if isinstance(value, Rational):  # Integer is a Rational
        return int(value.p).bit_length() + int(value.q).bit_length()
    return 0


def log2_magnitude(value):
    """log2 |value| for a SymPy number, cheaply (a 15-digit estimate), or None."""
    try:
        if not value.is_number:
            return None
        if isinstance(value, Rational):
            return math.log2(abs(value.p)) - math.log2(value.q) if value.p else -math.inf
        v = value.evalf(15)
        if v == 0:
            return -math.inf
        m, e = v._mpf_[1], v._mpf_[2]  # |v| = m * 2**e
        return math.log2(m) + e
    except (TypeError, ValueError, AttributeError, ArithmeticError):
        return None


def power_bits(base, exponent):
    """Estimated bits of base**exponent for exact numbers, before SymPy computes it.

    Any numeric base counts (sqrt(2)**(10**20) is 2**(5*10**19)), not only
    rationals: SymPy evaluates such powers exactly.
    """
    if not getattr(base, "is_number", False) or not isinstance(exponent, Rational) or exponent.q > 10**6:
        return 0
    size = log2_magnitude(base)
    if size is None:
        return 0
    if abs(exponent.p) >= 2**1000:
        return math.inf if abs(size) > 0 or constant_bits(base) > 2 else 0
    exp_value = abs(float(exponent))
    bits = exp_value * max(abs(size), 1.0 if isinstance(base, Rational) and abs(base) not in (0, 1) else 0.0)
    if isinstance(base, Rational):
        bits = max(bits, exp_value * constant_bits(base)) if abs(base) not in (0, 1) else constant_bits(base)
    return bits


def exp_bits(argument):
    """Bits of exp(c) for a number c: SymPy may turn exp(k log 2) into 2**k exactly."""
    if not getattr(argument, "is_number", False):
        return 0
    try:
        value = abs(complex(argument.evalf(15)))
    except (TypeError, ValueError):
        return 0
    return value / math.log(2)


def factorial_bits(n):
    """Estimated bits of n! (or Gamma(n)) for an exact number n."""
    if not isinstance(n, (Rational, Float)):
        return 0
    x = abs(float(n)) if abs(n) < 2**1000 else math.inf
    return x * math.log2(max(x, 2.0))


def check_bits(bits, what, limits=DEFAULT_LIMITS):
    if bits > limits.max_constant_bits:
        digits = bits * math.log10(2) if math.isfinite(bits) else math.inf
        raise LimitError(
            f"{what} would have about {digits:.3g} decimal digits; the limit is "
            f"{limits.max_constant_bits * math.log10(2):.0f}"
        )


_deadline = threading.local()


class _Timeout(BaseException):
    """Raised by the alarm.  A BaseException, so that library code catching
    Exception or ValueError (SymPy does, in many places) cannot swallow it;
    `time_budget` turns it into a `LimitError` at its own boundary."""


def _can_alarm():
    return hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds, what="symbolic work"):
    """Raise `LimitError` if the block runs longer than `seconds`.

    Nested budgets keep the earliest deadline.  A no-op outside the main
    thread or without SIGALRM.
    """
    if not _can_alarm() or seconds is None:
        yield
        return
    now = time.monotonic()
    outer = getattr(_deadline, "at", None)
    at = now + seconds if outer is None else min(outer, now + seconds)

    fired = []

    def on_alarm(signum, frame):
        # if the alarm lands in a finalizer or a gc callback, Python swallows the
        # exception: fire again shortly, so the budget still ends the work
        fired.append(True)
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    _deadline.at = at
    signal.setitimer(signal.ITIMER_REAL, max(at - now, 1e-3))
    try:
        yield
    except _Timeout:
        signal.setitimer(signal.ITIMER_REAL, 0)  # on_alarm re-armed itself: a second alarm here would escape
        raise LimitError(f"{what} took longer than {seconds:g} s (the time budget)") from None
    except SystemError:
        # the alarm landed inside C code that cannot carry an exception through (CPython's compile()
        # while it builds the AST says "AST constructor recursion depth mismatch"): still the budget
        if not fired:
            raise
        signal.setitimer(signal.ITIMER_REAL, 0)
        raise LimitError(f"{what} took longer than {seconds:g} s (the time budget)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _deadline.at = outer
        if outer is not None:  # re-arm the enclosing budget
            signal.setitimer(signal.ITIMER_REAL, max(outer - time.monotonic(), 1e-3))


def remaining(default):
    """Seconds left in the innermost budget (or `default` when none runs)."""
    at = getattr(_deadline, "at", None)
    return default if at is None else max(at - time.monotonic(), 0.0)


def attempt(fn, seconds, fallback):
    """Run optional work `fn()` within `seconds`; on timeout return `fallback`.

    Used for simplification: it must always terminate, and giving up only
    costs tidiness, never correctness.
    """
    if not _can_alarm():
        return fallback
    try:
        with time_budget(min(seconds, remaining(seconds)), "optional work"):
            return fn()
    except LimitError:
        if remaining(1.0) <= 0:  # the enclosing budget ran out, not just this attempt:
            raise _Timeout() from None  # let it report in its own words
        return fallback


__all__ = ["DEFAULT_LIMITS", "Limits", "attempt", "check_bits", "constant_bits", "exp_bits", "factorial_bits",
           "log2_magnitude", "power_bits", "remaining", "time_budget"]
