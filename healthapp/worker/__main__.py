import sys

from healthapp.worker.cli import main

sys.exit(main())
