"""What `flask --app app` and gunicorn (`gunicorn app:app`) load."""

from partnership import create_app

app = create_app()
