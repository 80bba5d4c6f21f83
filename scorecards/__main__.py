"""`python -m scorecards`: the same command line as the `scorecards` script."""

from scorecards.cli import main

main()
