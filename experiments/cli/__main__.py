"""`python -m experiments.cli ...` runs the `stridelab` command line."""

import sys

from experiments.cli import main

sys.exit(main())
