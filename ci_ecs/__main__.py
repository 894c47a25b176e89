"""`python -m ci_ecs`."""

from ci_ecs.cli import main

main()
