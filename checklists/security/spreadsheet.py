"""CSV files that a spreadsheet opens as text: every CSV the app writes goes through ``csv_writer``.

A cell starting with ``=``, ``+``, ``-``, ``@``, ``|`` or ``%`` is run as a formula by Excel, LibreOffice
and Google Sheets ("CSV injection", OWASP); the values we write include what anyone typed as a user name
at sign-in and what a patient typed into their diary. defusedcsv (a drop-in for the csv module) prefixes
such a cell with ``'``, which the spreadsheet shows as text; numbers are left alone. It leaves a cell
starting with a tab or a line break as it is, which OWASP lists too, so those get the same prefix here.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from defusedcsv import csv as defused_csv

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

_WHITESPACE_START = ("\t", "\r", "\n")


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_WHITESPACE_START):
        return "'" + value
    return value


class SpreadsheetSafeWriter:
    """A csv.writer whose cells never start a formula."""

    def __init__(self, out: "SupportsWrite[str]") -> None:
        self._writer = defused_csv.writer(out)

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row; a value that would start a formula is written as text."""
        self._writer.writerow([_cell(value) for value in row])


def csv_writer(out: "SupportsWrite[str]") -> SpreadsheetSafeWriter:
    """Return a writer of spreadsheet-safe CSV rows to ``out`` (Excel's dialect, like csv.writer)."""
    return SpreadsheetSafeWriter(out)
