"""The results API: who may read it (session member or the partnership's own token), what
everyone else gets (401 / an identical 404), the cycle export and the published schema."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from partnership.extensions import db
from partnership.results import services
from partnership.results.models import AccessLog, ApiToken
from tests.builders.basics import login, make_partnership, make_user, steering_membership
from tests.builders.results import (
    close,
    hand_example,
    invite,
    make_instrument,
    make_survey,
    respond,
)
from tests.readers import schema_errors

NOT_FOUND = {"error": "not found", "reason": "No such resource, or no access to it."}


def _url(survey) -> str:
    return f"/api/v1/partnerships/{survey.partnership_id}/surveys/{survey.id}/results"


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_without_credentials_the_api_answers_401_in_json(client):
    survey = close(hand_example(make_partnership(), state="open"))
    response = client.get(_url(survey))
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert "Bearer" in response.get_json()["reason"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # the same for an id that does not exist: nothing tells the two apart
    assert client.get("/api/v1/partnerships/987654/surveys/1/results").get_json() == (
        response.get_json()
    )


def test_a_token_of_the_partnership_reads_its_results_and_is_logged(client):
    partnership = make_partnership()
    survey = close(hand_example(partnership, state="open"))
    token, raw = services.create_api_token(partnership, "BI dashboard", None)
    assert token.token_hash != raw and raw not in token.token_hash
    assert token.prefix == raw[:6]
    response = client.get(_url(survey), headers=_bearer(raw))
    assert response.status_code == 200
    body = response.get_json()
    assert body["result"]["dimensions"][0]["J"] == pytest.approx(62.5)
    assert body["partnership"]["organizations"]["A"]["name"] == "Alpha Software"
    assert body["survey"]["instrument"]["lineage"] == f"instrument-{survey.instrument_id}"
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None
    log = db.session.scalar(select(AccessLog))
    assert (log.api_token_id, log.user_id, log.action) == (token.id, None, "export.json")


def test_a_token_opens_only_its_own_partnership_and_stops_when_revoked(client):
    mine, other = make_partnership(), make_partnership()
    my_survey, other_survey = (
        close(hand_example(mine, state="open")),
        close(hand_example(other, state="open")),
    )
    _token, raw = services.create_api_token(mine, "script", None)
    # another partnership's survey, with the real partnership id or with mine: 404, same body
    for url in (
        _url(other_survey),
        f"/api/v1/partnerships/{mine.id}/surveys/{other_survey.id}/results",
        f"/api/v1/partnerships/{other.id}/cycles/{other_survey.cycle_id}/results",
        "/api/v1/partnerships/987654/surveys/1/results",
    ):
        response = client.get(url, headers=_bearer(raw))
        assert response.status_code == 404, url
        assert response.get_json() == NOT_FOUND
    assert client.get(_url(my_survey), headers=_bearer(raw)).status_code == 200
    assert services.partnership_for_token(raw).id == mine.id

    services.revoke_api_token(db.session.scalar(select(ApiToken)))
    revoked = client.get(_url(my_survey), headers=_bearer(raw))
    assert revoked.status_code == 401 and "revoked" in revoked.get_json()["reason"]
    assert services.partnership_for_token(raw) is None
    for header in ("Bearer nonsense-token", "Basic dXNlcjpwYXNz", "Bearer"):
        refused = client.get(_url(my_survey), headers={"Authorization": header})
        assert refused.status_code == 401, header
    # nothing of the refused calls reached the access log
    assert [r.action for r in db.session.scalars(select(AccessLog))] == ["export.json"]


def test_signed_in_members_read_outsiders_get_the_same_404(client):
    owner, outsider, steering = make_user(), make_user(), make_user()
    partnership = make_partnership(owner)
    survey = close(hand_example(partnership, state="open"))
    db.session.add(steering_membership(partnership, steering))
    db.session.commit()

    login(client, outsider)
    for url in (_url(survey), "/api/v1/partnerships/987654/surveys/1/results"):
        response = client.get(url)
        assert response.status_code == 404 and response.get_json() == NOT_FOUND
    client.post("/logout")

    login(client, steering)  # read-only members may read the results
    assert client.get(_url(survey)).status_code == 200
    client.post("/logout")

    login(client, owner)
    assert client.get(_url(survey)).status_code == 200
    other_cycle = f"/api/v1/partnerships/{partnership.id}/cycles/987654/results"
    assert client.get(other_cycle).get_json() == NOT_FOUND


def test_the_cycle_export_holds_each_survey_by_lineage(client):
    owner = make_user()
    partnership = make_partnership(owner)
    pulse = close(hand_example(partnership, state="open"))  # the partnership's own instrument
    builtin, version = make_instrument(None, builtin_key="plan-execution-check", name="Check")
    check = make_survey(partnership, builtin, version, cycle=pulse.cycle, state="open")
    invite(check, "A", 5)
    respond(check, "A", {"execution-1": 4})
    draft_instrument, draft_version = make_instrument(partnership, name="Audit")
    make_survey(partnership, draft_instrument, draft_version, cycle=pulse.cycle, state="draft")

    login(client, owner)
    response = client.get(f"/api/v1/partnerships/{partnership.id}/cycles/{pulse.cycle_id}/results")
    assert response.status_code == 200
    body = response.get_json()
    assert body["cycle"] == {"id": pulse.cycle_id, "label": "2026-Q1"}
    assert set(body["surveys"]) == {f"instrument-{pulse.instrument_id}", "plan-execution-check"}
    closed = body["surveys"][f"instrument-{pulse.instrument_id}"]
    assert closed["snapshot"]["version"] == 1
    assert closed == {k: v for k, v in client.get(_url(pulse)).get_json().items() if k in closed}
    open_one = body["surveys"]["plan-execution-check"]
    assert open_one["snapshot"] is None and open_one["result"]["state"] == "open"
    assert open_one["result"]["organizations"]["A"]["R"] == pytest.approx(1 / 5)


def test_the_published_schema_describes_both_answers(client):
    owner = make_user()
    partnership = make_partnership(owner)
    instrument, version = make_instrument(
        partnership,
        dims=("cultural", "execution"),
        overall=True,
        likelihood=True,
        comment=True,
        signs=[(1, "demand"), (2, "demand")],
    )
    survey = make_survey(partnership, instrument, version, state="open")
    for org in "AB":
        invite(survey, org, 7, "sales", "executive")
        invite(survey, org, 2, "product", "individual")
        for k in range(6):
            answers = {i.key: 1 + (k % 5) for i in version.items if i.kind == "agreement"}
            answers.update({"nps": k, "sign-1": 3, "sign-2": 1 + k % 4})
            respond(survey, org, answers, function="sales", level="executive", comment=f"c{k}")
        respond(survey, org, {"cultural-1": None}, function="product", level="individual")
    db.session.commit()
    login(client, owner)
    schema_response = client.get("/api/v1/schema.json")
    assert schema_response.status_code == 200
    schema = json.loads(schema_response.data)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    open_payload = client.get(_url(survey)).get_json()
    assert schema_errors(open_payload, schema) == []
    close(survey)
    closed_payload = client.get(_url(survey)).get_json()
    assert closed_payload["result"]["organizations"]["A"]["signs"]  # the rich parts are there
    assert closed_payload["result"]["items"] and closed_payload["result"]["signals"]
    assert schema_errors(closed_payload, schema) == []
    cycle_payload = client.get(
        f"/api/v1/partnerships/{partnership.id}/cycles/{survey.cycle_id}/results"
    ).get_json()
    assert schema_errors(cycle_payload, schema) == []
    assert schema_errors(NOT_FOUND, {**schema, "$ref": "#/$defs/error"}) == []
    # and the schema is strict enough to notice a payload that drifts from it
    closed_payload["result"]["dimensions"][0]["organizations"]["A"]["S"] = "75"
    closed_payload["result"]["surprise"] = 1
    assert len(schema_errors(closed_payload, schema)) >= 1
