"""`python -m lendguard` runs the CLI."""

from lendguard.cli import main

main()
