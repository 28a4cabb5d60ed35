"""python -m healthapp.cli.demo"""

import sys

from healthapp.cli.demo.cli import main

sys.exit(main())
