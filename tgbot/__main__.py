"""`python -m tgbot` is the `tgbot` command."""

import sys

from tgbot.cli.main import main

sys.exit(main())
