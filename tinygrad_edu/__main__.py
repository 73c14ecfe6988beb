"""`python -m tinygrad_edu ...` is the `tinygrad-edu` command."""
import sys

from .cli import main

sys.exit(main())
