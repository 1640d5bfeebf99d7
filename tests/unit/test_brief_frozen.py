"""The brief's web page stored with its version reads back as it was written."""

import json

import pytest

from partnership.briefs import frozen, html
from partnership.briefs.sample import sample_brief


def test_the_page_of_a_brief_reads_back_equal_and_renders_the_same_values():
    page = html.page(sample_brief())
    again = frozen.loads(frozen.dumps(page))
    assert again == page
    # types survive too: tuples stay tuples, charts stay markup, values stay values
    assert type(again["scores"]) is type(page["scores"])
    assert type(again["svg"]["radar"]) is type(page["svg"]["radar"])


def test_a_comment_hidden_since_leaves_the_stored_page():
    page = html.page(sample_brief())
    texts = [c for g in page["comments"] if g["comments"] for c in g["comments"]]
    assert len(texts) >= 2
    again = frozen.loads(frozen.dumps(page), hidden_comments={texts[0]})
    left = [c for g in again["comments"] if g["comments"] for c in g["comments"]]
    assert left == texts[1:]


def test_a_stored_page_names_no_class_but_the_briefs():
    bad = json.dumps({"x": {"__dataclass__": "os.system", "fields": {}}})
    with pytest.raises(ValueError, match="unknown class"):
        frozen.loads(bad)
    with pytest.raises(TypeError):
        frozen.dumps({"x": object()})
