"""Tried as a new steering member would: the coach issues the brief; the member, who never
signed in before, receives it at a real SMTP server (aiosmtpd on loopback), follows the link,
signs in, and reads the brief on its page: every number is the results page's."""

from __future__ import annotations

import hashlib
import io
import re
from urllib.parse import urlsplit

from pypdf import PdfReader
from sqlalchemy import select

from partnership.briefs.models import BriefVersion
from partnership.extensions import db
from partnership.outbox.services import send_pending
from partnership.scoring.format import fmt_score
from tests.builders.basics import login, make_partnership, make_user, steering_membership
from tests.builders.governance import close_quarter
from tests.readers import TextNodes

#: What the formatter prints with decimals or a percent sign (whole numbers are dates, counts,
#: page numbers).
DECIMAL = re.compile(r"(?<![\w.])[+\-−]?\d[\d,]*(?:\.\d+%?|%)")
#: Not data: the gap chart's axis ticks, "95% interval", the agreement cut-offs the notes
#: explain (rwg 0.5, AD above A/6 = 0.83).
FIXED = {fmt_score(t, signed=True) for t in range(-100, 101, 10)} | {"95%", "0.5", "0.83"}


def text(html: str) -> str:
    parser = TextNodes()
    parser.feed(html)
    return " ".join(parser.nodes)


def decimals(words: str) -> set[str]:
    return {m.group(0).replace("−", "-") for m in DECIMAL.finditer(words)}


def test_a_new_steering_member_receives_the_brief_and_reads_the_results_pages_numbers(
    app, client, smtp_server
):
    coach = make_user(name="Rita Coach")
    partnership = make_partnership(coach, name="Łódź × São Paulo")
    survey = close_quarter(partnership, "2026-Q2")
    member = make_user(name="Zoë Conceição", email="zoe@beta.example")
    db.session.add(steering_membership(partnership, member, partnership.org_b))
    db.session.commit()

    login(client, coach)
    assert client.post(f"/partnerships/{partnership.id}/cycles/{survey.cycle_id}/brief/issue")
    client.post("/logout")
    assert send_pending(app.config)["sent"] == 1
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "zoe@beta.example"
    assert message["Subject"] == ("Łódź × São Paulo: steering committee brief 2026-Q2 (version 1)")
    body = message.get_body(preferencelist=("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    pdf = attachment.get_content()
    version = db.session.scalars(select(BriefVersion)).one()
    assert attachment.get_filename() == "brief-2026-Q2-v1.pdf"
    assert hashlib.sha256(pdf).hexdigest() == version.sha256
    assert version.sha256 in body
    link = re.search(r"https?://\S+/brief", body)
    assert link, body
    path = urlsplit(link.group(0)).path

    # the link asks the new member to sign in, then shows the brief's versions
    first = client.get(path)
    assert first.status_code == 302 and "/login" in first.headers["Location"]
    login(client, member)
    page = client.get(path)
    assert page.status_code == 200
    assert "I have read version 1" in page.get_data(as_text=True)

    results = text(
        client.get(f"/partnerships/{partnership.id}/surveys/{survey.id}/results").get_data(
            as_text=True
        )
    )
    shown = decimals(results)
    read = text(client.get(path + "/read").get_data(as_text=True))
    on_page = decimals(read)
    assert len(on_page) > 40
    assert sorted(on_page - shown - FIXED) == []
    in_pdf = decimals(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert sorted(in_pdf - shown - FIXED) == []
    # and the headline numbers are there, in both
    for token in ("Cultural alignment", "Market alignment", "Execution alignment"):
        assert token in read
    assert on_page & in_pdf == on_page & shown & in_pdf


def test_an_issued_versions_page_says_what_its_pdf_says_after_later_edits(app, client):
    from partnership.surveys.models import Comment, Response

    coach = make_user(name="Rita Coach")
    partnership = make_partnership(coach, name="Alpha × Beta")
    survey = close_quarter(partnership, "2026-Q2")
    login(client, coach)
    base = f"/partnerships/{partnership.id}/cycles/{survey.cycle_id}/brief"
    assert client.post(base + "/issue").status_code == 302
    issued = text(client.get(base + "/read").get_data(as_text=True))
    comments = db.session.scalars(
        select(Comment).join(Response).where(Response.survey_id == survey.id)
    ).all()
    shown = [c for c in comments if c.body in issued]
    assert shown, "the brief lists the survey's comments"

    # Later edits: the partnership is renamed, a comment naming a person is hidden.
    partnership.name = "Renamed since"
    shown[0].is_hidden = True
    db.session.commit()
    page = client.get(base + "/read")
    assert page.status_code == 200
    now = text(page.get_data(as_text=True))
    # The version's page keeps what was issued (its PDF has the old name too) ...
    assert "Steering committee brief: Alpha × Beta" in now
    version = db.session.scalars(select(BriefVersion)).one()
    pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(version.pdf)).pages)
    assert "Alpha × Beta" in pdf and "Renamed since" not in pdf
    assert decimals(now) == decimals(issued)
    # ... but a comment hidden since leaves it, as it leaves every page.
    assert shown[0].body not in now
    assert all(c.body in now for c in shown[1:])
    # A new version is built from the records as they stand now.
    assert client.post(base + "/issue").status_code == 302
    second = text(client.get(base + "/read").get_data(as_text=True))
    assert "Steering committee brief: Renamed since" in second
    assert shown[0].body not in second
