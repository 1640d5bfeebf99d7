"""Extension objects, created unbound and initialised by `create_app`."""

from flask_login import LoginManager
from flask_wtf import CSRFProtect

from partnership.db import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
