from __future__ import annotations

import io
import re
from html import unescape

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.partnerships.models import Stakeholder
from tests.builders.basics import login, make_partnership, make_user
from tests.readers import visible_text

GOOD = (
    "name,email,organization,function,level\n"
    "Ana Conceição,ana@alpha.example,ALP,sales,manager\n"
    "Søren Østergaard,soren@beta.example,Beta Hardware,operations,individual contributor\n"
    "Zoë Lefèvre,zoe@beta.example,bet,finance,executive\n"
)


def _preview(client, partnership, content: bytes, filename: str = "people.csv", **fields):
    """Upload a file: the preview page (200), or the errors (400); nothing is written."""
    return client.post(
        f"/partnerships/{partnership.id}/stakeholders/import",
        data={"file": (io.BytesIO(content), filename), **fields},
        content_type="multipart/form-data",
    )


def _hidden_fields(html: str) -> dict[str, str]:
    """The fields the preview's Apply form posts back (the file's text in a textarea)."""
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    text = re.search(r'<textarea name="csv_text"[^>]*>\n?(.*?)</textarea>', html, re.S)
    assert text is not None
    fields["csv_text"] = unescape(text.group(1))
    return fields


def _upload(client, partnership, content: bytes, filename: str = "people.csv", **fields):
    """Upload, read the preview, apply it: the response to applying (302 when done), or to
    the upload when it was refused."""
    preview = _preview(client, partnership, content, filename, **fields)
    if preview.status_code != 200:
        return preview
    return client.post(
        f"/partnerships/{partnership.id}/stakeholders/import",
        data=_hidden_fields(preview.get_data(as_text=True)),
    )


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Stakeholder))


def test_import_utf8_with_bom_and_list_them(client, app):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    response = _upload(client, partnership, b"\xef\xbb\xbf" + GOOD.encode())
    assert response.status_code == 302
    assert _count() == 3
    page = client.get(f"/partnerships/{partnership.id}/stakeholders").get_data(as_text=True)
    for name in ("Ana Conceição", "Søren Østergaard", "Zoë Lefèvre"):
        assert name in page


def test_one_bad_line_imports_nothing_and_names_the_line(client, app):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    bad = GOOD + "Broken Person,not-an-email,ALP,sales,manager\n"
    response = _upload(client, partnership, bad.encode())
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Nothing was imported" in body
    assert "Line 5:" in body and "not-an-email is not a valid email address" in body
    assert _count() == 0


def test_every_bad_line_is_reported_with_its_reason(client, app):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    content = (
        "name;email;organization;function;level\n"
        "A;a@x.example;ALP;sales;manager\n"
        "B;a@x.example;ALP;sales;manager\n"
        "C;c@x.example;Gamma;sales;manager\n"
        "D;d@x.example;ALP;astrology;manager\n"
        "E;e@x.example;ALP;sales;intern\n"
        ";f@x.example;ALP;sales;manager\n"
    )
    body = _upload(client, partnership, content.encode()).get_data(as_text=True)
    assert "Line 3:" in body and "appears twice in the file (also on line 2)" in body
    assert "Line 4:" in body and "Gamma" in body
    assert "Line 5:" in body and "astrology" in body
    assert "Line 6:" in body and "intern" in body
    assert "Line 7:" in body and "the name is empty" in body
    assert "Line 2:" not in body
    assert _count() == 0


def test_reimporting_the_export_changes_nothing_and_an_edited_one_updates_by_email(client, app):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    assert _upload(client, partnership, GOOD.encode()).status_code == 302
    exported = client.get(f"/partnerships/{partnership.id}/stakeholders.csv").data
    same = _preview(client, partnership, exported)
    assert same.status_code == 200
    text = visible_text(same.get_data(as_text=True))
    assert "add 0, change 0 and deactivate 0 stakeholders; 3 stay as they are" in text
    assert "there is nothing to import" in text

    edited = (
        "name,email,organization,function,level,active\n"
        "Ana Conceição-Silva,ANA@alpha.example,ALP,product,executive,\n"  # renamed, moved up
        "Søren Østergaard,soren@beta.example,BET,operations,individual contributor,no\n"
        "Zoë Lefèvre,zoe@beta.example,BET,finance,executive,yes\n"
        "Nuno Andrade,nuno@alpha.example,LUM,sales,manager,yes\n".replace("LUM", "ALP")
    )
    preview = _preview(client, partnership, edited.encode())
    html = preview.get_data(as_text=True)
    text = visible_text(html)
    assert "add 1, change 1 and deactivate 1 stakeholder; 1 stay as they are" in text
    assert "Name: Ana Conceição → Ana Conceição-Silva" in text
    assert "Function: sales → product" in text and "Level: manager → executive" in text
    assert "Status: active → inactive" in text  # Søren, under "To deactivate"
    assert html.index("To deactivate") < html.index("soren@beta.example")
    assert _count() == 3  # the preview wrote nothing

    applied = client.post(
        f"/partnerships/{partnership.id}/stakeholders/import", data=_hidden_fields(html)
    )
    assert applied.status_code == 302
    page = client.get(applied.headers["Location"]).get_data(as_text=True)
    assert "Import done: 1 added, 1 changed, 1 deactivated." in page
    people = {s.email: s for s in db.session.scalars(select(Stakeholder))}
    assert len(people) == 4
    assert (people["ana@alpha.example"].name, people["ana@alpha.example"].level) == (
        "Ana Conceição-Silva",
        "executive",
    )
    assert people["ana@alpha.example"].is_active  # an empty active cell keeps the status
    assert not people["soren@beta.example"].is_active

    # applying the same preview again: the plan no longer holds, nothing is written twice
    again = client.post(
        f"/partnerships/{partnership.id}/stakeholders/import", data=_hidden_fields(html)
    )
    assert again.status_code == 409
    assert "changed since the preview" in again.get_data(as_text=True)
    assert _count() == 4


def test_a_complete_list_deactivates_whoever_it_leaves_out(client, app):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    _upload(client, partnership, GOOD.encode())
    only_ana = "name,email,organization,function,level\nAna Conceição,ana@alpha.example,ALP,sales,manager\n"
    kept = _preview(client, partnership, only_ana.encode())
    assert "deactivate 0" in visible_text(kept.get_data(as_text=True))
    assert _upload(client, partnership, only_ana.encode(), complete="y").status_code == 302
    active = set(db.session.scalars(select(Stakeholder.email).where(Stakeholder.is_active)))
    assert active == {"ana@alpha.example"} and _count() == 3


def test_missing_column_and_non_utf8_are_explained(client, app):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    body = _upload(client, partnership, b"name,email\nA,a@x.example\n").get_data(as_text=True)
    assert "Line 1: the header lacks the column(s) organization, function, level" in body
    latin1 = "name,email,organization,function,level\nJosé,j@x.example,ALP,sales,manager\n".encode(
        "latin-1"
    )
    body = _upload(client, partnership, latin1).get_data(as_text=True)
    assert "not UTF-8" in body
    assert _count() == 0


def test_export_round_trips_through_import(client, app):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    _upload(client, partnership, GOOD.encode())
    exported = client.get(f"/partnerships/{partnership.id}/stakeholders.csv")
    assert exported.mimetype == "text/csv"
    text = exported.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "name,email,organization,function,level,active"
    # one vocabulary: the level in the words the pages and the import use
    assert "Søren Østergaard,soren@beta.example,BET,operations,individual contributor,yes" in text
    other = make_partnership(coach)
    assert _upload(client, other, exported.data).status_code == 302
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Stakeholder)
            .where(Stakeholder.partnership_id == other.id)
        )
        == 3
    )


def test_every_text_cell_of_the_export_is_defused(client, app):
    import csv

    from partnership.spreadsheet import FORMULA_START

    coach = make_user()
    partnership = make_partnership(coach)
    db.session.add(
        Stakeholder(
            partnership_id=partnership.id,
            organization_id=partnership.org_a.id,
            name="=1+1",
            email="=1+1@y.example",
            function="+sales",
            level="individual",
        )
    )
    db.session.commit()
    login(client, coach)
    text = client.get(f"/partnerships/{partnership.id}/stakeholders.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:2] == ["'=1+1", "'=1+1@y.example"]
    assert rows[1][3] == "'+sales"
    assert not any(cell.startswith(FORMULA_START) for row in rows for cell in row)
