"""Lupe's benchmark harness: ``make bench`` (``python -m bench``) measures every budget of BUDGETS.md.

See docs/benchmarks.md for what each scenario does and the latest figures.
"""
