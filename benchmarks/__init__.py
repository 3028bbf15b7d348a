"""Benchmark of onewindow at district and region scale (see README, "Benchmark").

``python -m benchmarks run --scale tiny|district|region --db sqlite|postgresql``
"""
