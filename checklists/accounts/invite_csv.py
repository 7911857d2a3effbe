"""Inviting a list of patients from a CSV file: read and check every row, then (once the clinician
confirmed the preview) create and invite the rows that are fine.

The file is hostile until checked: at most INVITE_CSV_MAX_BYTES and INVITE_CSV_MAX_ROWS, UTF-8 text
without NUL bytes, one row per patient. A cell that starts like a spreadsheet formula (``=``, ``+``,
``-``, ``@``, ``|``, ``%``, a tab or a line break; OWASP "CSV injection", as in
``checklists/security/spreadsheet.py``) is refused, not stored: the name would come back out in
exports and reports.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from checklists.accounts.services import patient_create
from checklists.accounts.time_zones import canonical_time_zone, current_time_zones
from checklists.models import ChecklistTemplate, Patient
from checklists.plan.assigning import assignments_assign

# A clinic's list is tens to a few hundred people; far more is a mistake or an attack.
INVITE_CSV_MAX_ROWS = 500
INVITE_CSV_MAX_BYTES = 256 * 1024
COLUMNS = ("email", "name", "time_zone", "checklists")
# Several checklists in one cell are separated by this.
CHECKLIST_SEPARATOR = ";"
FORMULA_START = ("=", "+", "-", "@", "|", "%", "\t", "\r", "\n")
NAME_MAX_LENGTH = 150  # each of first and last name (Django's User fields)
EMAIL_MAX_LENGTH = 254


class InviteFileRefused(Exception):
    """The file as a whole cannot be read (too large, not text, no email column, too many rows)."""


@dataclass
class InviteRow:
    """One patient to invite, as read from the file, with what is wrong with it (empty: fine)."""

    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    time_zone: str = "UTC"
    checklist_ids: list[int] = field(default_factory=list)
    checklist_names: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def invite_csv_decode(data: bytes) -> str:
    """Return the file as text; InviteFileRefused when it is too large, not UTF-8 or holds NUL bytes."""
    if len(data) > INVITE_CSV_MAX_BYTES:
        raise InviteFileRefused(
            _("The file is larger than %(kb)d kB: nothing was read.") % {"kb": INVITE_CSV_MAX_BYTES // 1000}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InviteFileRefused(_("The file is not UTF-8 text: save it as CSV (UTF-8).")) from None
    if "\x00" in text:
        raise InviteFileRefused(_("The file holds binary data: save it as CSV (UTF-8)."))
    return text


def _split_name(name: str) -> tuple[str, str]:
    first, _space, last = name.rpartition(" ")
    return (first.strip(), last.strip()) if first else (last.strip(), "")


def _formula_problem(column: str, value: str) -> str | None:
    if value.startswith(FORMULA_START):
        return _("%(column)s starts with “%(char)s”, which a spreadsheet runs as a formula.") % {
            "column": column,
            "char": value[0].replace("\t", "tab").replace("\r", "line break").replace("\n", "line break"),
        }
    return None


def _taken_emails(emails: Iterable[str]) -> set[str]:
    wanted = {email.lower() for email in emails}
    if not wanted:
        return set()
    users = get_user_model().objects.filter(Q(username__in=wanted) | Q(email__in=wanted))
    return {value.lower() for pair in users.values_list("username", "email") for value in pair} & wanted


def invite_csv_read(*, text: str, templates: QuerySet[ChecklistTemplate]) -> list[InviteRow]:
    """Return every row of the file with its problems; InviteFileRefused when the file as a whole
    cannot be used. Reads the database (taken emails, checklist names), writes nothing."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower().replace(" ", "_") for cell in next(reader, [])]
        raw_rows = []
        for raw in reader:
            if not any(cell.strip() for cell in raw):
                continue  # blank lines between rows
            raw_rows.append((reader.line_num, raw))
            if len(raw_rows) > INVITE_CSV_MAX_ROWS:
                raise InviteFileRefused(
                    _("The file has more than %(n)d rows: split it into smaller files.")
                    % {"n": INVITE_CSV_MAX_ROWS}
                )
    except csv.Error as error:
        raise InviteFileRefused(_("The file is not valid CSV: %(error)s") % {"error": error}) from None
    if "email" not in header:
        raise InviteFileRefused(
            _("The first row must name the columns: email, name, time_zone, checklists (email is required).")
        )
    if not raw_rows:
        raise InviteFileRefused(_("The file has no patients in it."))
    by_name = {template.name.casefold(): template for template in templates}
    zones = set(current_time_zones())
    rows = []
    for line, raw in raw_rows:
        cells = dict(zip(header, (cell.strip() for cell in raw), strict=False))
        rows.append(_read_row(line, cells, by_name, zones))
    seen: set[str] = set()
    taken = _taken_emails(row.email for row in rows if row.email)
    for row in rows:
        if not row.email:
            continue
        if row.email in taken:
            row.errors.append(_("An account with this email address already exists."))
        elif row.email in seen:
            row.errors.append(_("This email address is in the file twice."))
        seen.add(row.email)
    return rows


def _read_row(
    line: int, cells: dict[str, str], by_name: dict[str, ChecklistTemplate], zones: set[str]
) -> InviteRow:
    email = get_user_model().objects.normalize_email(cells.get("email", "")).lower()
    row = InviteRow(line=line, email=email[:EMAIL_MAX_LENGTH])
    for column in COLUMNS:
        problem = _formula_problem(column, cells.get(column, ""))
        if problem:
            row.errors.append(problem)
    if not email:
        row.errors.append(_("The email is missing."))
    else:
        try:
            validate_email(email)
        except ValidationError:
            row.errors.append(_("“%(email)s” is not an email address.") % {"email": email[:80]})
    row.first_name, row.last_name = _split_name(cells.get("name", ""))
    if len(row.first_name) > NAME_MAX_LENGTH or len(row.last_name) > NAME_MAX_LENGTH:
        row.errors.append(_("The name is longer than %(n)d characters.") % {"n": NAME_MAX_LENGTH})
        row.first_name, row.last_name = row.first_name[:NAME_MAX_LENGTH], row.last_name[:NAME_MAX_LENGTH]
    zone = cells.get("time_zone", "") or "UTC"
    row.time_zone = canonical_time_zone(zone)
    if row.time_zone not in zones:
        row.errors.append(
            _("“%(zone)s” is not a time zone (for example Europe/Berlin).") % {"zone": zone[:64]}
        )
    for name in filter(
        None, (part.strip() for part in cells.get("checklists", "").split(CHECKLIST_SEPARATOR))
    ):
        template = by_name.get(name.casefold())
        if template is None:
            row.errors.append(_("No checklist is called “%(name)s”.") % {"name": name[:120]})
        elif template.pk not in row.checklist_ids:
            row.checklist_ids.append(template.pk)
            row.checklist_names.append(template.name)
    return row


@transaction.atomic
def invite_csv_create(
    *, rows: Iterable[InviteRow], templates: QuerySet[ChecklistTemplate], clinician: User
) -> list[Patient]:
    """Create, assign and invite every row without problems, on ``clinician``'s care team; the
    emails go out once the transaction commits. Returns the patients created."""
    by_id = {template.pk: template for template in templates}
    created = []
    for row in rows:
        if not row.ok:
            continue
        patient = patient_create(
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            time_zone=row.time_zone,
            clinician=clinician,
        )
        for template_id in row.checklist_ids:
            assignments_assign(patients=[patient], template=by_id[template_id], assigned_by=clinician)
        created.append(patient)
    return created
