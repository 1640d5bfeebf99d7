"""Public survey pages reached through a personal link (no account)."""

from flask import Blueprint

bp = Blueprint("take", __name__)
