import datetime as dt

from partnership.timefmt import long_when, roughly, short_date, short_when

WHEN = dt.datetime(2030, 6, 14, 15, 0, tzinfo=dt.UTC)


def test_one_format_for_stakeholders_with_the_zone_name():
    assert long_when(WHEN, "Europe/Berlin") == "Friday 14 June 2030, 17:00 (Europe/Berlin)"
    assert long_when(WHEN, "America/Sao_Paulo") == "Friday 14 June 2030, 12:00 (America/Sao_Paulo)"


def test_short_forms_for_tables_and_an_unknown_zone_falls_back_to_utc():
    assert short_when(WHEN, "Europe/Berlin") == "2030-06-14 17:00 Europe/Berlin"
    assert short_when(None, "Europe/Berlin") == "—"
    assert short_when(WHEN, "Not/AZone") == "2030-06-14 15:00 UTC"
    assert short_date(WHEN, "Asia/Tokyo") == "15 Jun 2030 (Asia/Tokyo)"


def test_how_early_as_one_says_it():
    assert roughly(dt.timedelta(days=21, hours=3)) == "3 weeks"
    assert roughly(dt.timedelta(days=100)) == "3 months"
    assert roughly(dt.timedelta(days=5, hours=20)) == "5 days"
    assert roughly(dt.timedelta(days=1)) == "1 day"
    assert roughly(dt.timedelta(hours=4, minutes=10)) == "4 h 10 min"
