"""The lab's `tinygrad-edu` subcommands: playground, init-lab, compare, schedule, lr-finder, weight-decay,
batch-noise (one module each)."""
