"""Coach-facing downloads and administration of results: CSV/XLSX exports, API tokens and
the access log."""

from flask import Blueprint

bp = Blueprint("downloads", __name__)
