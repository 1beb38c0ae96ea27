import sys

from embct.cli import main

sys.exit(main())
