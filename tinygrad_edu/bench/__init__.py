"""Benchmarks users can run: `python -m tinygrad_edu.bench <name>` (see `--help`).

Every benchmark measures our kernels side by side with numpy (and PyTorch when installed) in one run
and reports medians over repeats and ratios, because absolute times on a shared machine mean little.
"""
