"""Kept for benchmarks/bench_em.py (`from derive.em._base import threads_available`) until it
imports derive.em.fitting.numpy_data; nothing in derive imports this module."""

from .fitting.numpy_data import threads_available

__all__ = ["threads_available"]
