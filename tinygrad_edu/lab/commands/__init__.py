"""The lab's `tinygrad-edu` subcommands: playground, init-lab, compare, schedule, lr-finder (one module each)."""
