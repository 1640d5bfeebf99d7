#!/usr/bin/env bash
# Build the wheel, install it in a fresh virtualenv outside the checkout, upgrade an empty
# SQLite database with `flask db upgrade` and render the login page: the installed app finds
# its templates, migrations and static files without the checkout. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/python -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" . 2> >(grep -v "^WARNING: Location" >&2)
wheel=$(ls "$work"/dist/partnership_pulse-*.whl)
# grep reads the whole listing from a variable: `unzip | grep -q` under pipefail failed whenever
# grep stopped early and unzip died of SIGPIPE (exit 141), which made CI fail at random.
listing=$(unzip -l "$wheel")
grep -q "partnership/templates/accounts/login.html" <<<"$listing"
grep -q "partnership/migrations/env.py" <<<"$listing"
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel" 2> >(grep -v "^WARNING: Location" >&2)
cd "$work"  # away from the checkout: `partnership` must come from the wheel
export PARTNERSHIP_DATABASE_URL="sqlite:///$work/wheel.db" PARTNERSHIP_SECRET_KEY="wheel-check-$RANDOM$RANDOM"
"$work/venv/bin/flask" --app partnership:create_app db upgrade
"$work/venv/bin/python" - <<'PY'
import partnership
from partnership import create_app

assert "site-packages" in partnership.__file__, partnership.__file__
app = create_app()
assert "site-packages" not in app.instance_path, app.instance_path
page = app.test_client().get("/login")
body = page.get_data(as_text=True)
assert page.status_code == 200 and "<form" in body and 'name="password"' in body, page.status
css = app.test_client().get("/static/app.css")
assert css.status_code == 200, css.status
print(f"wheel check: {partnership.__file__} serves /login ({len(body)} bytes)")
PY
