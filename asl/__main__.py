"""`python -m asl` runs the command line."""

from asl.cli import main

main()
