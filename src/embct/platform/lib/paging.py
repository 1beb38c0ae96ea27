"""One page of a long list: every list page shows at most :data:`PAGE_SIZE` rows, so that
its cost does not grow with the caseload (issue 18).

:func:`paginate` wraps Django's :class:`~django.core.paginator.Paginator` (a ``COUNT`` and a
``LIMIT``/``OFFSET`` query on a queryset). A ``?page=`` that is not a page number, or is past
the last page, falls back to the first or the last page and says so (``Paged.notice``), never
a server error. The template ``_pagination.html`` shows the notice, "Page 2 of 7" and the
previous and next links, which keep the page's other GET parameters (its sorting and filters).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.translation import gettext

__all__ = ["PAGE_SIZE", "Paged", "paginate"]

#: Rows per page on the list pages.
PAGE_SIZE = 25


@dataclass
class Paged:
    """A page of rows, what the page links need, and the fallback notice, if any."""

    page: Page[Any]
    query: str  # the request's other GET parameters, urlencoded (for the page links)
    notice: str = ""
    param: str = "page"

    @property
    def rows(self) -> list[Any]:
        return list(self.page.object_list)

    def url(self, number: int) -> str:
        """The query string of page ``number``, with the same sorting and filters."""
        return f"?{self.query}&{self.param}={number}" if self.query else f"?{self.param}={number}"

    @property
    def previous_url(self) -> str:
        return self.url(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_url(self) -> str:
        return self.url(self.page.next_page_number()) if self.page.has_next() else ""


def paginate(
    request: HttpRequest,
    rows: Sequence[Any] | Any,
    per_page: int = PAGE_SIZE,
    *,
    param: str = "page",
) -> Paged:
    """The page of ``rows`` (a queryset or a list) that ``request.GET[param]`` asks for.

    Parameters
    ----------
    request
        The request; its other GET parameters are kept in the page links.
    rows
        An ordered queryset (counted and sliced in the database) or a list.
    per_page
        Rows per page (25 by default).
    param
        The GET parameter holding the page number.

    A missing ``page`` is page 1. A value that is not a whole number of at least 1 gives page
    1, one past the last page gives the last page, each with a notice saying so.
    """
    if per_page < 1:
        raise ValueError(f"per_page must be at least 1, got {per_page}")
    paginator = Paginator(rows, per_page, allow_empty_first_page=True)
    asked = request.GET.get(param, "").strip()
    number, notice = 1, ""
    if asked:
        if asked.isdigit() and int(asked) >= 1:
            number = int(asked)
            if number > paginator.num_pages:
                notice = gettext("There is no page %(asked)s: this is the last page, %(last)s.") % {
                    "asked": number,
                    "last": paginator.num_pages,
                }
                number = paginator.num_pages
        else:
            notice = gettext("“%(asked)s” is not a page number: this is the first page.") % {
                "asked": asked[:20]
            }
    query = request.GET.copy()
    query.pop(param, None)
    return Paged(paginator.page(number), query.urlencode(), notice, param)
