"""`python -m greenlint`."""

import os
import sys

# `python -m` puts the working directory first on sys.path, and editors start the server in the workspace: a
# `json.py` or `libcst.py` of the code being checked would be imported (run) in place of the real module. The
# checked code is only ever read, so that entry goes before anything else is imported (as `python -P` would).
try:
    _cwd = os.getcwd()
except OSError:  # the working directory was deleted
    _cwd = ""
if sys.path and sys.path[0] in ("", _cwd):
    del sys.path[0]

from greenlint.cli.main import main

raise SystemExit(main())
