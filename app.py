"""What `flask --app app` and gunicorn (`gunicorn app:app`) load."""

import gc

from partnership import create_app

app = create_app()

# What the import built lives as long as the process: out of the cyclic collector's reach, the
# workers `gunicorn --preload` forks from this process keep sharing those pages instead of
# copying each one the collector walks (Python's gc.freeze documentation; copy-on-write).
gc.freeze()
