"""Judging a listing against a brand: normalization, the signals, and the verdict. Pure functions, no I/O."""
