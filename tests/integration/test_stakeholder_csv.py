from __future__ import annotations

import io

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.partnerships.models import Stakeholder
from tests.builders.basics import login, make_partnership, make_user

GOOD = (
    "name,email,organization,function,level\n"
    "Ana Conceição,ana@alpha.example,ALP,sales,manager\n"
    "Søren Østergaard,soren@beta.example,Beta Hardware,operations,individual contributor\n"
    "Zoë Lefèvre,zoe@beta.example,bet,finance,executive\n"
)


def _upload(client, partnership, content: bytes, filename: str = "people.csv"):
    return client.post(
        f"/partnerships/{partnership.id}/stakeholders/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
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


def test_duplicate_of_existing_stakeholder_is_rejected(client, app):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    assert _upload(client, partnership, GOOD.encode()).status_code == 302
    again = _upload(
        client,
        partnership,
        (b"name,email,organization,function,level\nAna,ANA@alpha.example,ALP,sales,manager\n"),
    )
    assert again.status_code == 400
    assert "ana@alpha.example is already a stakeholder" in again.get_data(as_text=True)
    assert _count() == 3


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
    assert "Søren Østergaard,soren@beta.example,BET,operations,individual,yes" in text
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
