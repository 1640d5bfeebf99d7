"""The reference aggregation the SQL aggregation is tested against."""

import pytest

from partnership.scoring import (
    Invited,
    ItemHistogram,
    ItemSpec,
    PersonDimension,
    RawResponse,
    Segment,
    aggregate,
    survey_input_from_responses,
)

ITEMS = (
    ItemSpec("ex1", "execution", 5, False, "agreement"),
    ItemSpec("ex2", "execution", 5, True, "agreement"),
    ItemSpec("ex3", "execution", 5, False, "agreement"),
    ItemSpec("pl1", "demand", 4, False, "frequency", sign=1),
    ItemSpec("overall", None, 5, False, "agreement"),
    ItemSpec("nps", None, 11, False, "likelihood"),
)
OPS = Segment("A", "ops", "manager")
SALES = Segment("B", "sales", "executive")


def test_person_sums_and_histograms():
    responses = [
        # execution: 4 -> 75, reverse 2 -> 75, missing: sum 150 over 2 answers
        # demand: sign item, frequency reversed: 3 ("most cycles") -> 100 (4-3)/3 = 33.3
        RawResponse(OPS, {"ex1": 4, "ex2": 2, "ex3": None, "pl1": 3, "overall": 5, "nps": 0}),
        # execution: 5 -> 100, reverse 5 -> 0, 3 -> 50: sum 150 over 3; nothing else answered
        RawResponse(OPS, {"ex1": 5, "ex2": 5, "ex3": 3, "pl1": None}),
        # nothing answered at all: no person rows, still a respondent
        RawResponse(SALES, {"ex1": None, "nps": None}),
    ]
    persons, histograms = aggregate(ITEMS, responses)
    assert persons == (
        PersonDimension(OPS, "execution", 150.0, 2),
        PersonDimension(OPS, "demand", pytest.approx(100 / 3), 1),
        PersonDimension(OPS, "execution", 150.0, 3),
    )
    assert histograms == (
        ItemHistogram(OPS, "ex1", (0, 0, 0, 1, 1)),
        ItemHistogram(OPS, "ex2", (0, 1, 0, 0, 1)),  # raw answers, before direction
        ItemHistogram(OPS, "ex3", (0, 0, 1, 0, 0)),
        ItemHistogram(OPS, "pl1", (0, 0, 1, 0)),
        ItemHistogram(OPS, "overall", (0, 0, 0, 0, 1)),
        ItemHistogram(OPS, "nps", (1,) + (0,) * 10),  # index 0 is the answer 0
    )


def test_survey_input_counts_every_response_as_responded():
    responses = [RawResponse(SALES, {"ex1": None}), RawResponse(SALES, {"ex1": 2})]
    data = survey_input_from_responses(ITEMS, ("execution", "demand"), responses, {SALES: 4})
    assert data.invited == (Invited(SALES, 4, 2),)
    assert len(data.persons) == 1


def test_rejects_unknown_items_and_answers_off_the_scale():
    with pytest.raises(ValueError, match="unknown item"):
        aggregate(ITEMS, [RawResponse(OPS, {"nope": 1})])
    with pytest.raises(ValueError, match="outside"):
        aggregate(ITEMS, [RawResponse(OPS, {"ex1": 6})])
    with pytest.raises(ValueError, match="outside"):
        aggregate(ITEMS, [RawResponse(OPS, {"nps": 11})])
    with pytest.raises(ValueError, match="outside"):
        aggregate(ITEMS, [RawResponse(OPS, {"ex1": 0})])


def test_item_spec_validation():
    with pytest.raises(ValueError):
        ItemSpec("x", "execution", 11, False, "likelihood")  # likelihood is in no dimension
    with pytest.raises(ValueError):
        ItemSpec("x", None, 5, False, "slider")
    with pytest.raises(ValueError):
        ItemSpec("x", None, 4, False, "frequency", sign=11)
    assert ItemSpec("x", "d", 4, False, "frequency", sign=2).is_reverse
    assert not ItemSpec("x", "d", 4, False, "frequency").is_reverse


def test_survey_input_refuses_mixed_scales_in_a_dimension():
    from partnership.scoring import SurveyInput

    with pytest.raises(ValueError, match="mixes scales"):
        SurveyInput(
            items=(
                ItemSpec("a", "execution", 5, False, "agreement"),
                ItemSpec("b", "execution", 4, False, "frequency"),
            ),
            dimensions=("execution",),
        )
