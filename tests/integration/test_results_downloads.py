"""The coach's pages around the results export: API tokens (created, shown once, revoked),
the access log, and the CSV/XLSX files' defence against spreadsheet formulas."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.results.models import ApiToken
from partnership.surveys.models import hash_token
from tests.builders.basics import login, make_partnership, make_user, steering_membership
from tests.builders.results import close, hand_example
from tests.readers import read_csv, read_xlsx

TOKEN_IN_PAGE = re.compile(r'<pre class="token-value"[^>]*><code>([A-Za-z0-9_-]{40,})</code>')


def test_coach_creates_a_token_sees_it_once_and_it_works(client):
    coach = make_user(name="Carla Coach")
    partnership = make_partnership(coach)
    survey = close(hand_example(partnership, state="open"))
    login(client, coach)
    page = client.get(f"/partnerships/{partnership.id}/api-tokens")
    assert page.status_code == 200 and "No tokens yet" in page.get_data(as_text=True)

    created = client.post(
        f"/partnerships/{partnership.id}/api-tokens", data={"name": "Power BI dashboard"}
    )
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    raw = TOKEN_IN_PAGE.search(html).group(1)
    assert "shown only this once" in html
    row = db.session.scalar(select(ApiToken))
    assert row.name == "Power BI dashboard" and row.created_by_id == coach.id
    assert row.token_hash == hash_token(raw) and row.prefix == raw[:6]

    again = client.get(f"/partnerships/{partnership.id}/api-tokens").get_data(as_text=True)
    assert raw not in again and f"{raw[:6]}…" in again and "Power BI dashboard" in again

    api = f"/api/v1/partnerships/{partnership.id}/surveys/{survey.id}/results"
    client.post("/logout")
    assert client.get(api, headers={"Authorization": f"Bearer {raw}"}).status_code == 200

    login(client, coach)
    log = client.get(f"/partnerships/{partnership.id}/access-log").get_data(as_text=True)
    assert "API token “Power BI dashboard”" in log and "Results export (JSON)" in log

    revoked = client.post(f"/partnerships/{partnership.id}/api-tokens/{row.id}/revoke")
    assert revoked.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    assert "revoked" in client.get(revoked.headers["Location"]).get_data(as_text=True)
    client.post("/logout")
    assert client.get(api, headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_a_token_without_a_name_is_refused_and_nothing_is_stored(client):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    for name in ("", "   ", "x" * 101):
        response = client.post(f"/partnerships/{partnership.id}/api-tokens", data={"name": name})
        assert response.status_code == 400
        assert 'class="error-summary"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_token_forms_need_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    coach = make_user()
    partnership = make_partnership(coach)
    page = client.get("/login")
    csrf = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
    )
    assert csrf is not None
    client.post(
        "/login",
        data={"email": coach.email, "password": "correct horse battery", "csrf_token": csrf[1]},
    )
    forged = client.post(f"/partnerships/{partnership.id}/api-tokens", data={"name": "Forged"})
    assert forged.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    form = client.get(f"/partnerships/{partnership.id}/api-tokens").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1]
    ok = client.post(
        f"/partnerships/{partnership.id}/api-tokens", data={"name": "Real", "csrf_token": token}
    )
    assert ok.status_code == 200
    assert db.session.scalar(select(ApiToken.name)) == "Real"


def test_steering_members_and_archived_partnerships(client):
    coach, steering = make_user(), make_user()
    partnership = make_partnership(coach)
    db.session.add(steering_membership(partnership, steering))
    db.session.commit()
    login(client, steering)
    assert client.get(f"/partnerships/{partnership.id}/api-tokens").status_code == 403
    assert client.get(f"/partnerships/{partnership.id}/access-log").status_code == 403
    refused = client.post(f"/partnerships/{partnership.id}/api-tokens", data={"name": "Mine"})
    assert refused.status_code == 403
    client.post("/logout")

    login(client, coach)
    client.post(f"/partnerships/{partnership.id}/api-tokens", data={"name": "Old script"})
    partnership.is_archived = True
    db.session.commit()
    page = client.get(f"/partnerships/{partnership.id}/api-tokens")
    assert page.status_code == 200 and "archived" in page.get_data(as_text=True)
    create = client.post(f"/partnerships/{partnership.id}/api-tokens", data={"name": "New"})
    assert create.status_code == 403
    token = db.session.scalar(select(ApiToken))
    # revoking only removes access, so it stays possible on an archived partnership
    revoke = client.post(f"/partnerships/{partnership.id}/api-tokens/{token.id}/revoke")
    assert revoke.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_a_token_of_another_partnership_cannot_be_revoked_through_mine(client):
    coach = make_user()
    mine, other = make_partnership(coach), make_partnership()
    from partnership.results import services

    token, _raw = services.create_api_token(other, "theirs", None)
    login(client, coach)
    response = client.post(f"/partnerships/{mine.id}/api-tokens/{token.id}/revoke")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_csv_and_xlsx_never_hand_a_formula_to_a_spreadsheet(client):
    coach = make_user()
    partnership = make_partnership(coach, org_a_name='=HYPERLINK("http://evil.example","x")')
    survey = close(hand_example(partnership, state="open"))
    login(client, coach)
    base = f"/partnerships/{partnership.id}/surveys/{survey.id}/results"
    (table, _signals) = read_csv(client.get(base + ".csv").data)
    names = {row[1] for row in table[1:]}
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert not any(dangerous(cell) for row in table for cell in row)
    sheets = read_xlsx(client.get(base + ".xlsx").data)
    cells = [cell for sheet in sheets.values() for row in sheet for cell in row]
    assert not any(isinstance(cell, tuple) for cell in cells)  # no formula cell at all
    # Every text cell goes through the same guard as the CSV: editing the cell in a
    # spreadsheet does not turn it into a formula either.
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert not any(isinstance(cell, str) and dangerous(cell) for cell in cells)


def dangerous(cell: str) -> bool:
    """Text a spreadsheet would read as a formula (a number like -3.2 is fine)."""
    from partnership.spreadsheet import FORMULA_START

    if not cell.startswith(FORMULA_START):
        return False
    try:
        float(cell.rstrip("%"))
    except ValueError:
        return True
    return False
