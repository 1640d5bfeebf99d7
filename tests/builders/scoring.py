"""Small builders for scoring tests: items, responses and survey inputs in a few lines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from partnership.scoring import (
    ItemSpec,
    RawResponse,
    Segment,
    SurveyInput,
    survey_input_from_responses,
)

PULSE = ("cultural", "market", "execution", "governance", "communication")
NAMES = {"A": "Acme", "B": "Beta"}


def dimension_items(
    dims: Sequence[str] = ("execution",), per_dim: int = 3, reverse: Iterable[int] = ()
) -> tuple[ItemSpec, ...]:
    """``per_dim`` 5-point agreement items per dimension, ids "<dim>-<k>"; ``reverse`` lists
    the k that are reverse-keyed."""
    rev = set(reverse)
    return tuple(
        ItemSpec(f"{d}-{k}", d, 5, k in rev, "agreement") for d in dims for k in range(per_dim)
    )


def same_answers(
    items: Sequence[ItemSpec],
    values: Iterable[int | None],
    org: str = "A",
    function: str = "ops",
    level: str = "individual",
) -> list[RawResponse]:
    """One response per value; each person gives that raw value to every item."""
    seg = Segment(org, function, level)
    return [RawResponse(seg, {i.id: v for i in items}) for v in values]


def build(
    items: Sequence[ItemSpec],
    responses: Sequence[RawResponse],
    invited: Mapping[Segment, int] | None = None,
    dims: Sequence[str] | None = None,
    **kwargs,
) -> SurveyInput:
    """A SurveyInput; invitees default to the respondents of each segment (a census)."""
    if invited is None:
        invited = {}
        for r in responses:
            invited[r.segment] = invited.get(r.segment, 0) + 1
    if dims is None:
        dims = tuple(dict.fromkeys(i.dimension for i in items if i.dimension))
    return survey_input_from_responses(items, dims, responses, invited, NAMES, **kwargs)


def check_reasons(node):
    """Every "<key>_reason" sits beside "<key>"; the value is null exactly when it has one."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("_reason"):
                base = key[: -len("_reason")]
                assert base in node, key
                assert (node[base] is None) == (value is not None), (key, node[base], value)
            check_reasons(value)
    elif isinstance(node, list):
        for v in node:
            check_reasons(v)
