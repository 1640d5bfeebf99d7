"""Reference aggregation: raw responses into the aggregates ``score_survey`` reads.

The app does this in SQL; its result must equal ``aggregate`` (as multisets: person rows
carry no person id, and the order below is only for readability). ``score_sum`` may differ
from SQL's in the last bits, which the 1e-9 tolerance of the signals absorbs.

- One ``PersonDimension`` per response and dimension with at least one answer in it; the
  2/3 rule for a person score is applied in scoring, not here.
- One ``ItemHistogram`` per segment and item with at least one answer (likelihood items
  included, index 0 = answer 0; signs included).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from partnership.scoring.formulas import item_score
from partnership.scoring.model import (
    Comment,
    Invited,
    ItemHistogram,
    ItemSpec,
    PersonDimension,
    RawResponse,
    Segment,
    SurveyInput,
)


def aggregate(
    items: Sequence[ItemSpec], responses: Iterable[RawResponse]
) -> tuple[tuple[PersonDimension, ...], tuple[ItemHistogram, ...]]:
    by_id = {item.id: item for item in items}
    dims = list(dict.fromkeys(i.dimension for i in items if i.dimension is not None))
    item_order = {item.id: k for k, item in enumerate(items)}
    persons: list[PersonDimension] = []
    counts: dict[tuple[Segment, str], list[int]] = {}
    for response in responses:
        sums: dict[str, list[float]] = {}
        for item_id, x in response.answers.items():
            item = by_id.get(item_id)
            if item is None:
                raise ValueError(f"answer to unknown item {item_id!r}")
            if x is None:
                continue  # not applicable or unanswered: missing, never zero
            if not item.scale_min <= x <= item.scale_max:
                raise ValueError(f"answer {x} outside the scale of item {item_id!r}")
            hist = counts.setdefault((response.segment, item_id), [0] * item.points)
            hist[x - item.scale_min] += 1
            if item.dimension is not None:
                score = item_score(x, item.points, item.is_reverse)
                sums.setdefault(item.dimension, []).append(score)
        for dim in dims:
            if dim in sums:
                scores = sums[dim]
                persons.append(
                    PersonDimension(response.segment, dim, math.fsum(scores), len(scores))
                )
    histograms = tuple(
        ItemHistogram(segment, item_id, tuple(c))
        for (segment, item_id), c in sorted(
            counts.items(), key=lambda kv: (kv[0][0], item_order[kv[0][1]])
        )
    )
    return tuple(persons), histograms


def survey_input_from_responses(
    items: Sequence[ItemSpec],
    dimensions: Sequence[str],
    responses: Sequence[RawResponse],
    invited: Mapping[Segment, int],
    org_names: Mapping[str, str] | None = None,
    comments: Sequence[Comment] = (),
) -> SurveyInput:
    """A ``SurveyInput`` straight from raw responses and invitee counts per segment.

    ``responded`` counts every response of the segment, whatever it answered.
    """
    persons, histograms = aggregate(items, responses)
    responded: dict[Segment, int] = {}
    for response in responses:
        responded[response.segment] = responded.get(response.segment, 0) + 1
    segments = sorted(set(invited) | set(responded))
    extra = {} if org_names is None else {"org_names": org_names}
    return SurveyInput(
        items=tuple(items),
        dimensions=tuple(dimensions),
        persons=persons,
        histograms=histograms,
        invited=tuple(Invited(seg, invited.get(seg, 0), responded.get(seg, 0)) for seg in segments),
        comments=tuple(comments),
        **extra,
    )
