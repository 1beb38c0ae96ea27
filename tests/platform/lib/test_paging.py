"""The shared paginator: pages of a list, the other GET parameters kept in the links, and
bad page numbers falling back with a notice instead of an error."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from embct.platform.lib.paging import PAGE_SIZE, Paged, paginate

ROWS = list(range(60))  # 3 pages of 25


def page(query: dict[str, str], param: str = "page") -> Paged:
    return paginate(RequestFactory().get("/list/", query), ROWS, param=param)


def test_the_first_page_by_default_and_the_rest_on_the_next() -> None:
    first = page({})
    assert first.rows == ROWS[:PAGE_SIZE]
    assert first.notice == ""
    assert first.previous_url == ""
    assert first.next_url == "?page=2"
    last = page({"page": "3"})
    assert last.rows == ROWS[50:]
    assert last.next_url == ""


def test_the_links_keep_the_other_parameters_and_their_own_name() -> None:
    paged = page({"sort": "name", "week": "3", "calls": "2"}, param="calls")
    assert paged.page.number == 2
    assert paged.previous_url == "?sort=name&week=3&calls=1"
    assert paged.next_url == "?sort=name&week=3&calls=3"


@pytest.mark.parametrize(
    ("asked", "number", "says"),
    [
        ("x", 1, "is not a page number"),
        ("0", 1, "is not a page number"),
        ("-2", 1, "is not a page number"),
        ("1.5", 1, "is not a page number"),
        (" 2 ", 2, ""),
        ("4", 3, "There is no page 4: this is the last page, 3."),
        ("9" * 40, 3, "There is no page"),
    ],
)
def test_a_bad_page_falls_back_and_says_so(asked: str, number: int, says: str) -> None:
    paged = page({"page": asked})
    assert paged.page.number == number
    assert says in paged.notice
    assert bool(paged.notice) == bool(says)


def test_an_empty_list_is_one_empty_page() -> None:
    paged = paginate(RequestFactory().get("/list/", {"page": "2"}), [])
    assert paged.rows == []
    assert paged.page.number == 1
    assert "There is no page 2" in paged.notice


def test_a_page_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="per_page"):
        paginate(RequestFactory().get("/list/"), ROWS, 0)
