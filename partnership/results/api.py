"""The results API (/api/v1): JSON, authenticated by session or per-partnership API token."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
