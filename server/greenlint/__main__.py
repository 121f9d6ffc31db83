"""`python -m greenlint`."""

from greenlint.cli.main import main

raise SystemExit(main())
