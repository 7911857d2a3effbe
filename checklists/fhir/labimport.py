"""FHIR lab import: ferritin and TSAT results from a FHIR R4 Bundle or Observation (JSON) for one patient.

``lab_import_preview`` reads a file and says what an import would do: the results found (LOINC 2276-4
ferritin, 2502-3 TSAT) converted to the app's units, the other entries ignored, the results already on
file, and the problems that stop the import (a malformed entry, a unit we cannot convert, a result
dated in the future, a file for another person). ``lab_results_import`` re-reads the same text and
records the results through the care-plan service a hand entry uses, all or nothing.

Whose file it is: the app stores the patient's email and name, no birth date and no record number.
A Patient in the file (or the Observation's subject reference) matches when it carries the patient's
email (a telecom of system "email", or an identifier whose value is the email) or our own patient id
(``codes.PATIENT_ID_SYSTEM``, as the export writes it) and, if it names the person, the same given and
family name. A name alone is refused: without a birth date it cannot tell two people of the same name
apart.
"""

import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import zip_longest
from typing import Any
from zoneinfo import ZoneInfo

import pydantic
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient

from checklists.api.parsers import JSONTooDeep, json_loads_limited
from checklists.careplan.services import labresult_add
from checklists.fhir import codes
from checklists.models import LabResult, Patient
from checklists.models.careplan import FerritinUnit

LOINC_SYSTEM, UCUM_SYSTEM = codes.LOINC, codes.UCUM
LOINC_FERRITIN, LOINC_TSAT = codes.FERRITIN.code, codes.TSAT.code

# An upload larger than this is refused before it is read (a lab's Bundle for one patient is a few kB).
MAX_FILE_BYTES = 1_000_000

# Ferritin in pmol/L to ng/mL: 1 ng/mL (= 1 ug/L) = 2.247 pmol/L, the SI conversion factor of the AMA
# Manual of Style / JAMA SI conversion table ("Ferritin, ng/mL x 2.247 = pmol/L"), also Table 1 of
# Camaschella-era review PMC3934467 (ferritin 30-300 ng/mL x 2.247 = 65-670 pmol/L); it follows from a
# molar mass of about 445 kDa (1 ug/L / 445,000 g/mol = 2.247 pmol/L).
FERRITIN_PMOL_PER_NG = Decimal("2.247")

FERRITIN, TSAT = "ferritin", "tsat"
KIND_LABELS = {FERRITIN: "ferritin", TSAT: "TSAT"}

# UCUM codes (and the unit texts labs print) accepted per kind -> the unit stored with the result.
FERRITIN_UNITS = {
    "ng/mL": FerritinUnit.NG_ML,
    "ug/L": FerritinUnit.UG_L,
    "µg/L": FerritinUnit.UG_L,
    "μg/L": FerritinUnit.UG_L,  # Greek mu
    "pmol/L": FerritinUnit.NG_ML,  # converted
}
TSAT_UNITS = {"%": "%"}

# Observation statuses that are results; the others (preliminary, cancelled, entered-in-error ...) are not.
RESULT_STATUSES = {"final", "amended", "corrected"}

ONE_DECIMAL = Decimal("0.1")
FERRITIN_MAX = Decimal("99999.9")  # LabResult.ferritin: 6 digits, 1 decimal


@dataclass(frozen=True)
class FoundResult:
    """One ferritin or TSAT result found in the file, in the app's units."""

    where: str  # "entry 3", for the messages
    kind: str  # FERRITIN or TSAT
    value: Decimal
    unit: str  # as stored: ng/mL, ug/L or %
    as_sent: str  # the value and unit as the file gave them, e.g. "134.8 pmol/L"
    drawn_on: date
    laboratory: str
    duplicate: str = ""  # why it is not imported: already on file, or twice in this file

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def converted(self) -> bool:
        return self.as_sent != f"{self.value} {self.unit}"


@dataclass(frozen=True)
class Subject:
    """Whose result an entry says it is: the emails and names the file gives for that person."""

    where: str
    emails: tuple[str, ...] = ()
    app_ids: tuple[str, ...] = ()  # identifiers of our own system (PATIENT_ID_SYSTEM): a patient's id
    names: tuple[tuple[str, str], ...] = ()  # (given names, family name)


@dataclass
class LabPreview:
    """What importing a file would do; ``problems`` non-empty means nothing can be imported."""

    results: list[FoundResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    matched_on: str = ""

    @property
    def to_import(self) -> list[FoundResult]:
        return [result for result in self.results if not result.duplicate]

    @property
    def can_import(self) -> bool:
        return not self.problems and bool(self.to_import)


class LabImportRefused(Exception):
    """The file cannot be imported; ``problems`` says why, one message per entry."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# Reading the file (pure).


def _fold(text: str) -> str:
    """Case-, accent- and space-insensitive form of a name or email for comparison."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _pydantic_message(error: pydantic.ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or _("the resource")
    message = str(first.get("msg", "")).removeprefix("Value error, ")
    more = error.error_count() - 1
    text = _("%(field)s is not valid (%(message)s)") % {"field": where, "message": message}
    if more:
        text += " " + _("and %(n)d more problems") % {"n": more}
    return text


def _subject_from_patient(where: str, resource: dict) -> Subject | str:
    """A Subject from a Patient resource, or a problem message."""
    try:
        patient = FhirPatient.model_validate(resource)
    except pydantic.ValidationError as error:
        return _("%(where)s (Patient): %(problem)s") % {"where": where, "problem": _pydantic_message(error)}
    emails = [t.value for t in patient.telecom or [] if t.system == "email" and t.value]
    emails += [i.value for i in patient.identifier or [] if i.value and "@" in i.value]
    app_ids = [i.value for i in patient.identifier or [] if i.system == codes.PATIENT_ID_SYSTEM and i.value]
    names = []
    for name in patient.name or []:
        if name.family or name.given:
            names.append((" ".join(g for g in name.given or [] if g), name.family or ""))
    return Subject(
        where=where,
        emails=tuple(_fold(e.removeprefix("mailto:")) for e in emails),
        app_ids=tuple(app_ids),
        names=tuple((_fold(g), _fold(f)) for g, f in names),
    )


def _subject_from_reference(where: str, reference: Any) -> Subject:
    """A Subject from an Observation's subject reference that the file does not resolve."""
    emails, app_ids = [], []
    identifier = reference.identifier
    if identifier is not None and identifier.value:
        if identifier.system == codes.PATIENT_ID_SYSTEM:
            app_ids.append(identifier.value)
        else:
            emails.append(_fold(identifier.value.removeprefix("mailto:")))
    names = []
    if reference.display:
        parts = _fold(reference.display).rsplit(" ", 1)
        names.append((parts[0], parts[1]) if len(parts) == 2 else ("", parts[0]))
    return Subject(where=where, emails=tuple(emails), app_ids=tuple(app_ids), names=tuple(names))


def _drawn_on(observation: Any, time_zone: ZoneInfo) -> date | None:
    """The day the sample was taken, in the patient's time zone; None when the file gives no full date."""
    when = observation.effectiveDateTime or observation.effectiveInstant
    if when is None and observation.effectivePeriod is not None:
        when = observation.effectivePeriod.start
    if isinstance(when, datetime):
        return when.astimezone(time_zone).date() if when.tzinfo else when.date()
    if isinstance(when, date):
        return when
    return None  # missing, or a partial date such as "2026-11"


def _quantity(kind: str, quantity: Any) -> tuple[Decimal, str, str] | str:
    """(value in the app's unit, stored unit, as sent) or a problem message (without the entry)."""
    if quantity is None or quantity.value is None:
        return _("no value (a valueQuantity with a number is needed)")
    if quantity.comparator:
        return _("the value is given as %(cmp)s %(value)s, not as a number") % {
            "cmp": quantity.comparator,
            "value": quantity.value,
        }
    if quantity.system and quantity.system != UCUM_SYSTEM and not quantity.unit:
        return _("the unit is not a UCUM unit")
    sent_unit = (quantity.code if quantity.system in (None, UCUM_SYSTEM) else None) or quantity.unit or ""
    value = Decimal(quantity.value)
    as_sent = f"{quantity.value} {sent_unit}".strip()
    units = FERRITIN_UNITS if kind == FERRITIN else TSAT_UNITS
    if sent_unit not in units:
        accepted = "ng/mL, ug/L, pmol/L" if kind == FERRITIN else "%"
        return _("%(kind)s in %(unit)s cannot be imported: only %(accepted)s") % {
            "kind": KIND_LABELS[kind],
            "unit": sent_unit or _("no unit"),
            "accepted": accepted,
        }
    if sent_unit == "pmol/L":
        value = value / FERRITIN_PMOL_PER_NG
    upper = FERRITIN_MAX if kind == FERRITIN else Decimal(100)
    if not value.is_finite() or value < 0 or value > upper:  # before rounding: 1e300 cannot be rounded
        return _("%(kind)s %(value)s is outside the possible range") % {
            "kind": KIND_LABELS[kind],
            "value": as_sent,
        }
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP), str(units[sent_unit]), as_sent


def _laboratory(observation: Any, organizations: dict[str, str]) -> str:
    for performer in observation.performer or []:
        name = organizations.get(performer.reference or "") or performer.display
        if name:
            return name[: LabResult._meta.get_field("laboratory").max_length]
    return ""


@dataclass
class _Read:
    results: list[FoundResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)


def _read_observation(
    read: _Read,
    where: str,
    resource: dict,
    *,
    patients: dict[str, Subject | str],
    organizations: dict[str, str],
    time_zone: ZoneInfo,
    today: date,
) -> None:
    try:
        observation = Observation.model_validate(resource)
    except pydantic.ValidationError as error:
        read.problems.append(
            _("%(where)s (Observation): %(problem)s") % {"where": where, "problem": _pydantic_message(error)}
        )
        return
    codes = [
        c.code for c in (observation.code.coding or []) if c.system == LOINC_SYSTEM and c.code is not None
    ]
    kind = FERRITIN if LOINC_FERRITIN in codes else TSAT if LOINC_TSAT in codes else None
    name = observation.code.text or next((c.display for c in observation.code.coding or [] if c.display), "")
    if kind is None:
        shown = ", ".join(f"LOINC {c}" for c in codes) or _("no LOINC code")
        read.ignored.append(
            _("%(where)s: %(name)s (%(codes)s): not ferritin or TSAT")
            % {"where": where, "name": name or _("Observation"), "codes": shown}
        )
        return
    if observation.status not in RESULT_STATUSES:
        read.ignored.append(
            _("%(where)s: %(kind)s with status “%(status)s”: only final results are imported")
            % {"where": where, "kind": KIND_LABELS[kind], "status": observation.status}
        )
        return

    subject = observation.subject
    if subject is None:
        read.problems.append(
            _("%(where)s: the result does not say whose it is (no subject)") % {"where": where}
        )
        return
    resolved = patients.get(subject.reference or "")
    if isinstance(resolved, str):
        return  # the Patient itself is malformed: already a problem
    # A reference the file does not resolve stands for itself: its identifier (email) or display name.
    read.subjects.append(resolved or _subject_from_reference(where, subject))

    quantity = _quantity(kind, observation.valueQuantity)
    if isinstance(quantity, str):
        read.problems.append(f"{where}: {quantity}")
        return
    drawn_on = _drawn_on(observation, time_zone)
    if drawn_on is None:
        read.problems.append(
            _("%(where)s: %(kind)s has no full date of sampling (effectiveDateTime)")
            % {"where": where, "kind": KIND_LABELS[kind]}
        )
        return
    if drawn_on > today:
        read.problems.append(
            _("%(where)s: %(kind)s is dated %(date)s, in the future")
            % {"where": where, "kind": KIND_LABELS[kind], "date": drawn_on.isoformat()}
        )
        return
    value, unit, as_sent = quantity
    read.results.append(
        FoundResult(
            where=where,
            kind=kind,
            value=value,
            unit=unit,
            as_sent=as_sent,
            drawn_on=drawn_on,
            laboratory=_laboratory(observation, organizations),
        )
    )


def parse_lab_file(text: str, *, time_zone: ZoneInfo, today: date) -> _Read:
    """Read a FHIR Bundle or Observation; return results, ignored entries, problems and the subjects named."""
    read = _Read()
    if len(text.encode()) > MAX_FILE_BYTES:
        read.problems.append(_("The file is larger than %(n)d kB.") % {"n": MAX_FILE_BYTES // 1000})
        return read
    try:
        data = json_loads_limited(text)
    except JSONTooDeep as error:
        read.problems.append(_("The file is not usable: %(error)s") % {"error": error})
        return read
    except (ValueError, RecursionError) as error:
        message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        read.problems.append(_("The file is not JSON: %(error)s") % {"error": message})
        return read
    kind = data.get("resourceType") if isinstance(data, dict) else None
    if kind == "Observation":
        _read_observation(
            read, _("the Observation"), data, patients={}, organizations={}, time_zone=time_zone, today=today
        )
        return read
    if kind != "Bundle":
        read.problems.append(
            _("The file is a %(kind)s, not a FHIR Bundle or Observation.")
            % {"kind": kind if isinstance(kind, str) and kind else _("JSON document without a resourceType")}
        )
        return read

    entries = data.get("entry") or []
    if not isinstance(entries, list):
        read.problems.append(_("The Bundle's entry is not a list."))
        return read
    resources: list[tuple[str, dict]] = []
    patients: dict[str, Subject | str] = {}
    organizations: dict[str, str] = {}
    for number, entry in enumerate(entries, start=1):
        where = _("entry %(n)d") % {"n": number}
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            read.problems.append(_("%(where)s: no resource with a resourceType") % {"where": where})
            continue
        keys = [entry.get("fullUrl")]
        if isinstance(resource.get("id"), str):
            keys.append(f"{resource['resourceType']}/{resource['id']}")
        keys = [key for key in keys if isinstance(key, str) and key]
        if resource["resourceType"] == "Patient":
            subject = _subject_from_patient(where, resource)
            if isinstance(subject, str):
                read.problems.append(subject)
            for key in keys or [where]:
                patients[key] = subject
        elif resource["resourceType"] == "Organization" and isinstance(resource.get("name"), str):
            for key in keys:
                organizations[key] = resource["name"]
        resources.append((where, resource))

    if len({id(subject) for subject in patients.values()}) > 1:
        read.problems.append(
            _("The Bundle holds more than one Patient: import one patient's file at a time.")
        )
    for where, resource in resources:
        if resource["resourceType"] == "Observation":
            _read_observation(
                read,
                where,
                resource,
                patients=patients,
                organizations=organizations,
                time_zone=time_zone,
                today=today,
            )
        elif resource["resourceType"] not in ("Patient", "Organization"):
            read.ignored.append(
                _("%(where)s: a %(kind)s, not a lab result")
                % {"where": where, "kind": resource["resourceType"]}
            )
    if not read.results and not read.problems:
        read.problems.append(_("The file holds no ferritin (LOINC 2276-4) or TSAT (LOINC 2502-3) result."))
    return read


def subject_problem(subject: Subject, *, patient_id: str, email: str, given: str, family: str) -> str:
    """Return why ``subject`` is not this patient (our id, email, given and family name), or "" when it is.

    An identifier decides (our own patient id from an RLS Care export, or the email); a name that
    contradicts it refuses the file; a name alone is never enough (no birth date to go with it).
    """
    email, given, family = _fold(email), _fold(given), _fold(family)
    same_name = any(g == given and f == family for g, f in subject.names) or any(
        g.split(" ")[0] == given and f == family for g, f in subject.names
    )
    where = subject.where
    if subject.app_ids or subject.emails:
        if subject.app_ids and patient_id not in subject.app_ids:
            return _("%(where)s is for another person: the patient id does not match") % {"where": where}
        if subject.emails and email not in subject.emails:
            return _("%(where)s is for another person: the email does not match this patient") % {
                "where": where
            }
        if subject.names and (given or family) and not same_name:
            return _("%(where)s has this patient's identifier but another name: check the file") % {
                "where": where
            }
        return ""
    if subject.names and not same_name:
        return _("%(where)s is for another person: the name does not match this patient") % {"where": where}
    if subject.names:
        return _(
            "%(where)s names this patient but carries no email: the app stores no birth date, so a "
            "name alone cannot tell two people apart. Ask for a file with the patient's email."
        ) % {"where": where}
    return _("%(where)s does not say whose result it is (no email or name)") % {"where": where}


# Against the patient's record.


def _mark_duplicates(patient: Patient, results: list[FoundResult]) -> list[FoundResult]:
    days = {result.drawn_on for result in results}
    on_file: set[tuple[str, date, Decimal]] = set()
    for lab in LabResult.objects.filter(patient=patient, drawn_on__in=days):
        if lab.ferritin is not None:
            on_file.add((FERRITIN, lab.drawn_on, Decimal(lab.ferritin)))
        if lab.tsat is not None:
            on_file.add((TSAT, lab.drawn_on, Decimal(lab.tsat)))
    seen: set[tuple[str, date, Decimal]] = set()
    marked = []
    for result in results:
        key = (result.kind, result.drawn_on, result.value)
        reason = ""
        if key in on_file:
            reason = _("already on file")
        elif key in seen:
            reason = _("twice in this file")
        seen.add(key)
        marked.append(FoundResult(**{**result.__dict__, "duplicate": reason}))
    return marked


def lab_import_preview(*, patient: Patient, text: str) -> LabPreview:
    """Return what importing ``text`` for ``patient`` would do (reads the patient's lab results)."""
    read = parse_lab_file(text, time_zone=ZoneInfo(patient.time_zone), today=patient.local_today())
    preview = LabPreview(ignored=read.ignored, problems=list(read.problems))
    user = patient.user
    for subject in read.subjects:
        problem = subject_problem(
            subject,
            patient_id=str(patient.pk),
            email=user.email,
            given=user.first_name,
            family=user.last_name,
        )
        if problem and problem not in preview.problems:
            preview.problems.append(problem)
    if read.subjects and not preview.problems:
        by_id = all(subject.app_ids for subject in read.subjects)
        preview.matched_on = (
            _("RLS Care patient id") if by_id else _("email %(email)s") % {"email": user.email}
        )
    preview.results = _mark_duplicates(patient, read.results)
    return preview


def _rows(results: list[FoundResult]) -> list[tuple[FoundResult | None, FoundResult | None]]:
    """Pair each day's ferritin and TSAT from the same laboratory into one row, as a hand entry has."""
    groups: dict[tuple[date, str], dict[str, list[FoundResult]]] = defaultdict(lambda: defaultdict(list))
    for result in results:
        groups[(result.drawn_on, result.laboratory)][result.kind].append(result)
    return [
        (ferritin, tsat)
        for group in groups.values()
        for ferritin, tsat in zip_longest(group[FERRITIN], group[TSAT])
    ]


@transaction.atomic
def lab_results_import(*, patient: Patient, text: str, entered_by: User | None) -> list[LabResult]:
    """Record the file's new results for ``patient``, all or none; raise LabImportRefused with the problems.

    The file is read again here (what was previewed is never taken from the browser), under a lock on
    the patient, so two confirmations at once import a result once.
    """
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    preview = lab_import_preview(patient=patient, text=text)
    if preview.problems:
        raise LabImportRefused(preview.problems)
    created = []
    for ferritin, tsat in _rows(preview.to_import):
        sent = [f"{r.label} {r.as_sent}" for r in (ferritin, tsat) if r is not None]
        first = ferritin or tsat
        assert first is not None  # zip_longest pairs at least one
        created.append(
            labresult_add(
                patient=patient,
                drawn_on=first.drawn_on,
                ferritin=ferritin.value if ferritin else None,
                ferritin_unit=ferritin.unit if ferritin else FerritinUnit.NG_ML,
                tsat=tsat.value if tsat else None,
                laboratory=first.laboratory,
                notes=_("Imported from a FHIR file (as sent: %(values)s).") % {"values": ", ".join(sent)},
                entered_by=entered_by,
            )
        )
    return created
