"""Benchmarks: commands that print figures and ratios against a floor measured in the same run.

``make bench`` runs ``python -m benchmarks`` (see __main__.py).
"""
