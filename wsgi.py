"""WSGI entry point: `gunicorn wsgi:app`; `flask --app wsgi …` finds it too."""
from app import create_app

app = create_app()
