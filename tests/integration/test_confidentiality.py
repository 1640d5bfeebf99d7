"""Confidentiality as an attacker with a copy of the database, and a stakeholder with an inbox,
would check it: no emailed link rests in any table, nothing links an answer to a person, every
link a stakeholder received keeps working, the outbox forgets what it delivered."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from sqlalchemy import Boolean, Date, DateTime, Integer, func, inspect, select
from werkzeug.datastructures import MultiDict

from partnership.extensions import db
from partnership.instruments.models import Item
from partnership.models import metadata
from partnership.outbox.models import OutboxMessage
from partnership.outbox.services import enqueue, send_pending
from partnership.results.services import close_survey
from partnership.surveys import services
from partnership.surveys.emails import INVITATION
from partnership.surveys.models import Invitation, InvitationToken, Response, hash_token
from tests.builders.basics import make_partnership, make_stakeholders, make_user
from tests.builders.surveys import add_stakeholder, make_instrument, make_survey
from tests.mail import RESET_TOKEN, SURVEY_TOKEN, deliver, parts

BASE = "http://localhost"
SEGMENT = {"survey_id", "organization_id", "function", "level"}


def every_value() -> list[tuple[str, str, str]]:
    """(table, column, value as text) of every column of every row of every table."""
    out = []
    for table in metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                if value is not None:
                    out.append((table.name, column, str(value)))
    return out


def _answer_link(client, token: str) -> int:
    item = db.session.scalar(select(Item.id))
    return client.post(f"/s/{token}", data={f"item-{item}": "4"}).status_code


def test_no_emailed_link_rests_in_any_table(app, client, smtp_server):
    coach = make_user(name="Clara Coach")
    partnership = make_partnership(coach)
    instrument = make_instrument(partnership)
    people = [
        add_stakeholder(partnership, 1, name=f"Person {n}", email=f"p{n}@a.example")
        for n in range(3)
    ]
    survey = make_survey(partnership, instrument)
    services.open_survey(survey, base_url=BASE)
    assert send_pending(app.config)["sent"] == 3
    services.send_reminders(survey, base_url=BASE)
    assert send_pending(app.config)["sent"] == 3
    client.post("/reset", data={"email": coach.email})
    assert send_pending(app.config)["sent"] == 1
    messages = smtp_server.wait_for(7)

    links: dict[str, list[str]] = {}
    emailed: list[str] = []
    for message in messages:
        text, html = parts(message)
        tokens = set(SURVEY_TOKEN.findall(text + html)) | set(RESET_TOKEN.findall(text + html))
        assert tokens, text
        emailed += tokens
        if SURVEY_TOKEN.search(text):
            links.setdefault(str(message["To"]), []).append(SURVEY_TOKEN.search(text).group(1))
    # The first person answers through their reminder; the others get a second reminder.
    assert _answer_link(client, links[people[0].email][1]) == 303
    services.send_reminders(survey, base_url=BASE)
    assert send_pending(app.config)["sent"] == 2
    for message in smtp_server.wait_for(9)[7:]:
        text, html = parts(message)
        emailed += SURVEY_TOKEN.findall(text + html)
        links[str(message["To"])].append(SURVEY_TOKEN.search(text).group(1))
    assert len(set(emailed)) == 9

    values = every_value()
    assert len(values) > 50
    for token in set(emailed):
        found = [(t, c) for t, c, v in values if token in v]
        assert found == [], f"an emailed token rests in {found}"
        # The search does reach the tables that hold the links: their hashes are there.
        assert any(hash_token(token) == v for _t, _c, v in values)

    # Every link of a stakeholder who got two reminders opens the form, the first one too.
    second = links[people[1].email]
    assert len(second) == 3
    for token in second:
        page = client.get(f"/s/{token}")
        assert page.status_code == 200 and "Send my answers" in page.get_data(as_text=True)
    # Answering through the last one uses all of them up.
    assert _answer_link(client, second[-1]) == 303
    for token in second:
        assert "already answered" in client.get(f"/s/{token}").get_data(as_text=True)
    # The first person's other links say so too.
    assert "already answered" in client.get(f"/s/{links[people[0].email][0]}").get_data(
        as_text=True
    )


def _family(column) -> str:
    if isinstance(column.type, Date | DateTime):
        return "time"
    if isinstance(column.type, Integer):
        return "integer"
    if isinstance(column.type, Boolean):
        return "flag"
    return "text"


#: Random on both sides (a SHA-256 of a 256-bit token; a uuid4): equal only by chance.
RANDOM_KEYS = {"invitation_tokens.token_hash", "responses.id"}


def test_no_column_of_invitations_or_their_links_matches_one_of_responses():
    """The schema check: apart from the survey and the segment, no column an invitation or
    its link rows keep can be matched with a column of responses: no date or time of use, no
    sequence or counter, no shared value."""
    tables = metadata.tables
    responses = tables["responses"]
    for table in (tables["invitations"], tables["invitation_tokens"]):
        for column in table.columns:
            if column.name in SEGMENT or column.name == "invitation_id":
                continue
            assert _family(column) != "time", f"{table.name}.{column.name} dates the use"
            for other in responses.columns:
                if other.name in SEGMENT:
                    continue
                pair = {f"{table.name}.{column.name}", f"responses.{other.name}"}
                if pair == RANDOM_KEYS:
                    continue
                assert _family(column) != _family(other), (
                    f"{table.name}.{column.name} could be matched with responses.{other.name}"
                )
        for fk in table.foreign_keys:
            assert fk.column.table.name != "responses"
    for fk in responses.foreign_keys:
        assert fk.column.table.name not in ("invitations", "invitation_tokens", "stakeholders")
    # The link rows have no sequence and no time: the hash is the key.
    assert [c.name for c in tables["invitation_tokens"].primary_key.columns] == ["token_hash"]
    assert set(tables["invitations"].columns.keys()) == SEGMENT | {
        "id",
        "stakeholder_id",
        "is_used",
    }


def test_answers_on_different_days_match_only_their_whole_segment(app, client):
    """recipes.md's check anyone can run: for each response, the invitations that agree with
    it on every column they share are exactly its survey's invitations of its segment."""
    partnership = make_partnership(min_group=3)
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 3, 3)
    survey = make_survey(partnership, instrument)
    services.open_survey(survey, base_url=BASE)
    mails = deliver(app)
    start = dt.datetime(2030, 6, 3, 9, 0, tzinfo=dt.UTC)
    for day, mail in enumerate(mails[:4]):
        with time_machine.travel(start + dt.timedelta(days=day), tick=False):
            if day == 2:
                services.send_reminders(survey, base_url=BASE)
                deliver(app, now=start + dt.timedelta(days=day))
            assert _answer_link(client, mail.token) == 303
    inspector = inspect(db.engine)
    # Both have an "id": an integer on one side, a random uuid on the other; never equal.
    shared = {c["name"] for c in inspector.get_columns("invitations")} & {
        c["name"] for c in inspector.get_columns("responses")
    } - {"id"}
    assert shared == SEGMENT
    for response in db.session.scalars(select(Response)):
        matching = db.session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(*(getattr(Invitation, c) == getattr(response, c) for c in shared))
        )
        segment = db.session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(
                Invitation.survey_id == response.survey_id,
                Invitation.organization_id == response.organization_id,
            )
        )
        assert matching == segment == 3
    # After close every invitation holds as many links, whatever reminders it received.
    close_survey(survey)
    counts = db.session.execute(
        select(InvitationToken.invitation_id, func.count()).group_by(InvitationToken.invitation_id)
    ).all()
    assert len(counts) == 6 and len({n for _i, n in counts}) == 1


def test_a_crash_between_minting_and_sending_leaves_a_link_nobody_got_and_the_retry_works(
    app, client
):
    partnership = make_partnership()
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 1, 0)
    survey = make_survey(partnership, instrument)
    services.open_survey(survey, base_url=BASE)

    def broken(_message) -> None:
        raise OSError("connection reset")

    assert send_pending(app.config, transport=broken)["retry"] == 1
    row = db.session.scalar(select(OutboxMessage))
    assert row.status == "pending" and row.last_error.startswith("OSError")
    assert db.session.scalar(select(func.count()).select_from(InvitationToken)) == 1
    [mail] = deliver(app, now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    assert client.get(f"/s/{mail.token}").status_code == 200
    db.session.expire_all()
    assert row.status == "sent" and row.sent_at is not None and row.subject


def test_delivered_rows_keep_no_body_and_are_purged_after_the_retention(app, runner):
    partnership = make_partnership()
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 2, 0)
    survey = make_survey(partnership, instrument)
    services.open_survey(survey, base_url=BASE)
    deliver(app)
    people = db.session.scalars(select(Invitation.stakeholder_id)).all()
    enqueue(INVITATION, key="later", to="x@a.example", stakeholder_id=people[0])
    db.session.commit()
    columns = {c["name"] for c in inspect(db.engine).get_columns("outbox_messages")}
    assert not columns & {"body_text", "body_html", "body"}
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent")).all()
    assert len(sent) == 2 and all(r.to_address and r.subject and r.sent_at for r in sent)

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=29)):
        assert "purged 0" in runner.invoke(args=["outbox", "purge"]).output
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=31)):
        result = runner.invoke(args=["outbox", "purge"])
    assert result.exit_code == 0 and "purged 2 outbox rows older than 30 days" in result.output
    # The pending one stays until it is delivered.
    assert db.session.scalars(select(OutboxMessage.idempotency_key)).all() == ["later"]
    app.config["OUTBOX_RETENTION_DAYS"] = 0
    assert "purged 0" in runner.invoke(args=["outbox", "purge"]).output


def test_head_on_a_survey_link_reads_like_get_and_consumes_nothing(app, client):
    partnership = make_partnership()
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 1, 0)
    survey = make_survey(partnership, instrument)
    services.open_survey(survey, base_url=BASE)
    [mail] = deliver(app)
    head = client.head(f"/s/{mail.token}")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"].startswith("text/html")
    assert client.head(f"/s/{mail.token}/opt-out").status_code == 200
    assert client.head("/s/" + "x" * 43).status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(Invitation.is_used)) is False
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    assert client.get(f"/s/{mail.token}").status_code == 200


def test_unknown_or_repeated_answer_fields_store_nothing(app, client):
    partnership = make_partnership()
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 1, 0)
    survey = make_survey(partnership, instrument)
    services.open_survey(survey, base_url=BASE)
    [mail] = deliver(app)
    item = db.session.scalar(select(Item.id))
    extra = client.post(f"/s/{mail.token}", data={f"item-{item}": "4", "item-999999": "3"})
    assert extra.status_code == 400
    page = extra.get_data(as_text=True)
    assert "fields this survey does not ask" in page and 'value="4" checked' in page
    twice = client.post(
        f"/s/{mail.token}",
        data=MultiDict([(f"item-{item}", "4"), (f"item-{item}", "2")]),
    )
    assert twice.status_code == 400 and "Choose only one answer." in twice.get_data(as_text=True)
    empty_twice = client.post(
        f"/s/{mail.token}",
        data=MultiDict([(f"item-{item}", ""), (f"item-{item}", "2")]),
    )
    assert empty_twice.status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    assert db.session.scalar(select(Invitation.is_used)) is False
    assert _answer_link(client, mail.token) == 303


def test_the_survey_page_says_what_is_stored_with_the_answers(app, client):
    partnership = make_partnership()
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 1, 0)
    survey = make_survey(partnership, instrument)
    services.open_survey(survey, base_url=BASE)
    [mail] = deliver(app)
    page = re.sub(r"\s+", " ", client.get(f"/s/{mail.token}").get_data(as_text=True))
    assert (
        "Stored with your answers: this survey, your organization, function and level, and "
        "the day you send them; never your name, email address or link." in page
    )
    assert "Your invitation keeps only that it was used" in page
