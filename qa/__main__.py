"""`python -m qa …` is the `qa` command."""

from qa.surfaces.cli import main

main()
