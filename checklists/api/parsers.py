"""JSON bodies with bounded nesting and size: the API's one parser, also used by the CSP report endpoint.

Python's json module parses nesting by recursion, so a body of 10,000 ``[`` raises RecursionError (a
500). The depth is checked first, by a scan that does not recurse.
"""

import json
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

# A JSON string (escapes included) or a bracket; strings are taken whole so brackets in text don't count.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKET = re.compile(r"[\[\]{}]")


class JSONTooDeep(ValueError):
    """The text nests arrays and objects deeper than allowed."""


def json_depth_exceeds(text: str, max_depth: int) -> bool:
    """Return True when ``text`` nests arrays/objects more than ``max_depth`` levels (iteratively)."""
    if text.count("[") + text.count("{") <= max_depth:
        return False  # too few brackets to nest that deep: the usual case, no scan
    # The text outside strings. Without a backslash every quote opens or closes a string, so a split
    # does it (fast); with escapes, the string pattern.
    outside = "".join(text.split('"')[::2]) if "\\" not in text else _STRING.sub("", text)
    depth = 0
    for bracket in _BRACKET.findall(outside):
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def json_loads_limited(text: str, *, max_depth: int | None = None) -> Any:
    """Return the parsed JSON ``text``; raise ValueError when it is not JSON, or JSONTooDeep."""
    limit = settings.API_JSON_MAX_DEPTH if max_depth is None else max_depth
    if json_depth_exceeds(text, limit):
        raise JSONTooDeep(_("JSON nested deeper than %(limit)d levels.") % {"limit": limit})
    return json.loads(text, parse_constant=strict_constant)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a depth limit (API_JSON_MAX_DEPTH): a clean 400 instead of a 500.

    The body's size is bounded before this runs: DRF reads it through ``request.body``, which refuses
    more than DATA_UPLOAD_MAX_MEMORY_SIZE (a 413, checklists/api/exceptions.py)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read()
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            return json_loads_limited(raw.decode(encoding))
        except JSONTooDeep as exc:
            raise ParseError(str(exc)) from None
        except ValueError as exc:  # UnicodeDecodeError and json.JSONDecodeError too
            raise ParseError(_("JSON parse error: %(error)s") % {"error": exc}) from None
