"""The patient's record as a FHIR R4 Bundle, for the clinician or for the patient.

``patient_bundle`` is the one entry point (the $everything endpoint, the patient's API and data export,
and the visit report's embedded file all call it). Every resource is validated against its
``fhir.resources`` R4B model (wire-compatible with R4 for these resources) as it is built; a resource the
model refuses is a bug and raises. What the patient's version leaves out is what the care plan keeps from
the patient (``checklists/careplan/selectors.py``): lab interpretations, clinicians' notes, medication
flags beyond the "review with your clinician" wording, and the augmentation watch.

The Bundle is a ``collection``: the app is not a FHIR server (no resource but the Bundle can be read on
its own), so every entry has a ``urn:uuid:`` fullUrl, stable across exports (``codes.resource_uuid``),
and every reference inside the Bundle points at one of them.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import uuid4

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.detectedissue import DetectedIssue
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.task import Task

from checklists.careplan import wording
from checklists.careplan.augmentation import AugmentationWatch
from checklists.careplan.conditions import CONDITION_FIELDS, iron_note_for
from checklists.careplan.selectors import care_plan_for
from checklists.careplan.severity import irls_band
from checklists.fhir import codes
from checklists.fhir.codes import Code
from checklists.models import Assignment, DiaryEntry, FollowUp, LabResult, Medication, Patient, SeverityScore
from checklists.models.careplan import FollowUpStatus, Track
from checklists.models.checklists import Category
from checklists.plan.rules import mask_to_weekdays

CLINICIAN = "clinician"
PATIENT = "patient"
AUDIENCES = (CLINICIAN, PATIENT)
FHIR_JSON = "application/fhir+json"

_MODELS: dict[str, Any] = {
    "Patient": FhirPatient,
    "Condition": Condition,
    "Observation": Observation,
    "MedicationStatement": MedicationStatement,
    "DetectedIssue": DetectedIssue,
    "CarePlan": CarePlan,
    "Task": Task,
}
_FHIR_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TASK_STATUS = {
    FollowUpStatus.PLANNED: "requested",
    FollowUpStatus.DONE: "completed",
    FollowUpStatus.SKIPPED: "cancelled",
    FollowUpStatus.CANCELLED: "cancelled",
}


def _ref(resource: dict) -> dict:
    return {"reference": f"urn:uuid:{resource['id']}"}


def _checked(resource: dict) -> dict:
    """Return ``resource`` (FHIR JSON) once its R4B model accepts it; raises pydantic's ValidationError."""
    _MODELS[resource["resourceType"]].model_validate(resource)
    return resource


def _new(resource_type: str, *key: object, **fields: Any) -> dict:
    resource = {"resourceType": resource_type, "id": codes.resource_uuid(resource_type, *key)}
    resource.update({name: value for name, value in fields.items() if value not in (None, [], "", {})})
    return resource


def _notes(*texts: str) -> list[dict]:
    return [{"text": text} for text in texts if text]


def _patient(patient: Patient, *, clinician: bool) -> dict:
    user = patient.user
    name: dict[str, Any] = {"text": user.get_full_name()} if user.get_full_name() else {}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return _new(
        "Patient",
        patient.pk,
        identifier=[{"system": codes.PATIENT_ID_SYSTEM, "value": str(patient.pk)}],
        active=True,
        name=[name] if name else None,
        telecom=[{"system": "email", "value": user.email}] if user.email else None,
        # Recorded by the clinician with the conditions, which stay in the clinicians' workspace.
        birthDate=patient.date_of_birth.isoformat() if clinician and patient.date_of_birth else None,
        communication=[
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.language}]},
                "preferred": True,
            }
        ],
    )


def _condition(patient: Patient, subject: dict) -> dict:
    # The app is for people with RLS and records no other condition yet; onset and how the diagnosis
    # was made are not recorded, so the verification status is left out rather than guessed.
    return _new(
        "Condition",
        patient.pk,
        "rls",
        clinicalStatus=codes.ACTIVE.concept(),
        category=[codes.PROBLEM_LIST_ITEM.concept()],
        code={
            "coding": [codes.RLS_ICD_10_CM.coding(), codes.RLS_ICD_10.coding()],
            "text": "Restless legs syndrome (Willis-Ekbom disease)",
        },
        subject=subject,
        recordedDate=patient.created_at.date().isoformat(),
        note=_notes(
            "RLS Care is for people with restless legs syndrome: this entry is the reason the care team "
            "enrolled the patient. Onset and how the diagnosis was made are not recorded in the app."
        ),
    )


def _recorded_conditions(patient: Patient, subject: dict) -> list[dict]:
    """Return a Condition per condition the clinician recorded (clinician audience only), coded in SNOMED
    CT where ``codes.CONDITION_SNOMED`` has a sourced concept, else by its text alone."""
    found = []
    for name in CONDITION_FIELDS:
        if name == "on_dialysis" or not getattr(patient, name):
            continue  # dialysis is said on the kidney disease
        label = str(getattr(Patient._meta.get_field(name), "verbose_name", name))
        code = codes.CONDITION_SNOMED.get(name)
        details = []
        if name == "chronic_kidney_disease" and patient.on_dialysis:
            details.append("On dialysis.")
        if name == "pregnant" and patient.pregnancy_due_date:
            details.append(f"Due date {patient.pregnancy_due_date.isoformat()}.")
        details.append(
            "Recorded by the care team in the app; onset and how it was diagnosed are not recorded."
        )
        found.append(
            _new(
                "Condition",
                patient.pk,
                name,
                clinicalStatus=codes.ACTIVE.concept(),
                category=[codes.PROBLEM_LIST_ITEM.concept()],
                code={"coding": [code.coding()], "text": label} if code else {"text": label},
                subject=subject,
                note=_notes(" ".join(details)),
            )
        )
    return found


def _lab_observations(
    labs: Iterable[LabResult], subject: dict, *, patient: Patient, clinician: bool
) -> list[dict]:
    observations = []
    for lab in labs:
        interpretation = iron_note_for(lab, patient)
        for code, value, unit in (
            (codes.FERRITIN, lab.ferritin, lab.ferritin_unit),
            (codes.TSAT, lab.tsat, "%"),
        ):
            if value is None:
                continue
            ucum_code, printed = codes.UCUM_UNITS[unit]
            extra: dict[str, Any] = {}
            if clinician:
                category = Code(
                    codes.IRON_CATEGORY_SYSTEM, interpretation.category.value, interpretation.label
                )
                extra["interpretation"] = [category.concept(interpretation.note)]
                extra["note"] = _notes(
                    f"Guideline note for this draw's ferritin and TSAT together: {interpretation.note}. "
                    f"{interpretation.citation} Rules {interpretation.rule_version}. "
                    "A guideline note for the clinician, not a prescription.",
                    f"Clinician note: {lab.notes}" if lab.notes else "",
                )
            observations.append(
                _new(
                    "Observation",
                    "lab",
                    lab.pk,
                    code.code,
                    identifier=[{"system": codes.LAB_RESULT_ID_SYSTEM, "value": f"{lab.pk}-{code.code}"}],
                    status="final",
                    category=[codes.LABORATORY.concept()],
                    code=code.concept(),
                    subject=subject,
                    effectiveDateTime=lab.drawn_on.isoformat(),
                    performer=[{"display": lab.laboratory}] if lab.laboratory else None,
                    valueQuantity={
                        "value": float(value),
                        "unit": printed,
                        "system": codes.UCUM,
                        "code": ucum_code,
                    },
                    **extra,
                )
            )
    return observations


def _irls_observations(scores: Iterable[SeverityScore], subject: dict) -> list[dict]:
    observations = []
    for score in scores:
        band = irls_band(score.irls_total)
        observations.append(
            _new(
                "Observation",
                "irls",
                score.pk,
                status="final",
                category=[codes.SURVEY.concept()],
                code=codes.IRLS_TOTAL.concept(),
                subject=subject,
                effectiveDateTime=score.scored_on.isoformat(),
                valueInteger=score.irls_total,
                interpretation=[Code(codes.IRLS_BAND_SYSTEM, band.value, str(band.label)).concept()],
                note=_notes(
                    "Band by Walters 2003. Only the total is recorded: the item wording is licensed."
                ),
            )
        )
    return observations


def _diary_observations(entries: Iterable[DiaryEntry], subject: dict) -> dict[tuple[date, str], dict]:
    """Return {(night, diary code): Observation} for every value of every diary night."""
    found = {}
    for entry in entries:
        values: list[tuple[Code, dict]] = [(codes.DIARY_SEVERITY, {"valueInteger": entry.severity})]
        if entry.sleep_quality is not None:
            values.append((codes.DIARY_SLEEP_QUALITY, {"valueInteger": entry.sleep_quality}))
        if entry.onset_time is not None:
            values.append((codes.DIARY_ONSET_TIME, {"valueTime": entry.onset_time.strftime("%H:%M:%S")}))
        values.append((codes.DIARY_ARMS_INVOLVED, {"valueBoolean": entry.arms_involved}))
        for code, value in values:
            note = None
            if code is codes.DIARY_SEVERITY and entry.note:
                note = [{"authorReference": subject, "text": entry.note}]
            found[(entry.date, code.code)] = _new(
                "Observation",
                "diary",
                entry.pk,
                code.code,
                status="final",
                category=[codes.SURVEY.concept()],
                code=code.concept(),
                subject=subject,
                # The night the entry belongs to (the evening it started), in the patient's own calendar.
                effectiveDateTime=entry.date.isoformat(),
                performer=[subject],
                note=note,
                **value,
            )
    return found


def _medication_status(med: Medication, today: date) -> str:
    if med.start_date and med.start_date > today:
        return "intended"
    if med.stop_date and med.stop_date < today:
        return "completed"
    return "active"


def _medication_statements(
    medications: Iterable[Medication], current_ids: set[int], subject: dict, today: date, *, clinician: bool
) -> dict[int, dict]:
    statements = {}
    for med in medications:
        notes: list[dict] = []
        if clinician:
            flags = [
                label
                for flag, label in (
                    (med.is_dopaminergic, "dopaminergic"),
                    (med.may_worsen_rls, "may worsen RLS"),
                )
                if flag
            ]
            notes = _notes(
                f"Generic name as matched by the app: {med.generic_name}." if med.generic_name else "",
                f"Flags: {', '.join(flags)}." if flags else "",
                f"Medicine check: {med.get_recognition_display()} (rules {med.rule_version})."
                if med.rule_version
                else "",
                f"Clinician note: {med.notes}" if med.notes else "",
            )
        elif med.may_worsen_rls and med.pk in current_ids:
            notes = _notes(str(wording.MEDICATION_REVIEW_NOTE))
        period = {
            key: value.isoformat()
            for key, value in (("start", med.start_date), ("end", med.stop_date))
            if value
        }
        dosage = "; ".join(text for text in (med.dose_text, med.times_of_day) if text)
        statements[med.pk] = _new(
            "MedicationStatement",
            med.pk,
            status=_medication_status(med, today),
            medicationCodeableConcept={"text": med.name},
            subject=subject,
            effectivePeriod=period or None,
            dateAsserted=med.created_at.isoformat(),
            dosage=[{"text": f"As recorded: {dosage}"}] if dosage else None,
            note=notes,
        )
    return statements


def _detected_issues(
    plan_medications: list[Medication],
    statements: dict[int, dict],
    watch: AugmentationWatch,
    diary: dict[tuple[date, str], dict],
    subject: dict,
    today: date,
) -> list[dict]:
    issues = []
    for med in plan_medications:
        if med.may_worsen_rls:
            issues.append(
                _new(
                    "DetectedIssue",
                    "may-worsen-rls",
                    med.pk,
                    status="final",
                    code=codes.MAY_WORSEN_RLS.concept(),
                    patient=subject,
                    identifiedDateTime=today.isoformat(),
                    implicated=[_ref(statements[med.pk])],
                    detail=(
                        f"{med.generic_name or med.name} is on RLS Care's list of medicines and substances "
                        "that can worsen RLS: for review with the patient (the patient is told to discuss it "
                        "with their clinician before changing anything)."
                    ),
                )
            )
    dopaminergic = [med for med in plan_medications if med.is_dopaminergic]
    if watch.flagged and dopaminergic:
        first = watch.recent.start if watch.recent else today
        evidence = [
            _ref(observation)
            for (night, code), observation in sorted(diary.items(), key=lambda pair: pair[0])
            if first <= night <= today
            and code in (codes.DIARY_ONSET_TIME.code, codes.DIARY_ARMS_INVOLVED.code)
        ]
        issues.append(
            _new(
                "DetectedIssue",
                "possible-augmentation",
                subject["reference"],
                today,
                status="preliminary",
                code=codes.POSSIBLE_AUGMENTATION.concept(),
                patient=subject,
                identifiedDateTime=today.isoformat(),
                implicated=[_ref(statements[med.pk]) for med in dopaminergic],
                evidence=[{"detail": evidence}] if evidence else None,
                detail=" ".join(
                    [
                        *watch.reasons,
                        f"Diary against the patient's baseline ({watch.rule_version}): {watch.evidence}.",
                        "A screening signal from the diary for the clinician, not a diagnosis.",
                    ]
                ),
                reference=codes.AUGMENTATION_SOURCE,
            )
        )
    return issues


def _assignment_activity(assignment: Assignment, today: date) -> dict:
    items = [item.text for item in assignment.items.all() if item.retired_at is None]
    if not assignment.active or (assignment.end_date and assignment.end_date < today):
        status = "stopped" if not assignment.active else "completed"
    elif assignment.start_date > today:
        status = "not-started"
    else:
        status = "in-progress"
    bounds = {"start": assignment.start_date.isoformat()}
    if assignment.end_date:
        bounds["end"] = assignment.end_date.isoformat()
    category = Code(
        codes.CHECKLIST_CATEGORY_SYSTEM, assignment.category, str(Category(assignment.category).label)
    )
    description = assignment.name + (": " + "; ".join(items) if items else "")
    return {
        "detail": {
            "code": category.concept(assignment.name),
            "status": status,
            "description": description,
            "scheduledTiming": {
                "repeat": {
                    "boundsPeriod": bounds,
                    "dayOfWeek": [_FHIR_WEEKDAYS[day] for day in mask_to_weekdays(assignment.weekdays)],
                }
            },
        }
    }


def _task(followup: FollowUp, subject: dict, careplan: dict, *, clinician: bool) -> dict:
    status = FollowUpStatus(followup.status)
    track = str(Track(followup.track).label).lower()
    description = f"{followup.display_title}: {track} track"
    if followup.recurrence_weeks:
        description += f", repeats every {followup.recurrence_weeks} weeks"
    return _new(
        "Task",
        followup.pk,
        identifier=[{"system": codes.FOLLOW_UP_ID_SYSTEM, "value": str(followup.pk)}],
        basedOn=[_ref(careplan)],
        status=_TASK_STATUS[status],
        statusReason={"text": str(status.label)} if status == FollowUpStatus.SKIPPED else None,
        businessStatus=Code(codes.FOLLOW_UP_STATUS_SYSTEM, status.value, str(status.label)).concept(),
        intent="plan",
        code=Code(codes.FOLLOW_UP_KIND_SYSTEM, followup.kind, str(followup.get_kind_display())).concept(
            followup.display_title
        ),
        description=description,
        **{"for": subject},
        authoredOn=followup.created_at.isoformat(),
        # The due date: the follow-up is sought by then.
        restriction={"period": {"end": followup.due_date.isoformat()}},
        executionPeriod={"end": followup.completed_on.isoformat()} if followup.completed_on else None,
        note=_notes(f"Clinician note: {followup.notes}") if clinician and followup.notes else None,
    )


def patient_bundle(*, patient: Patient, audience: str) -> dict:
    """Return the patient's record as a FHIR R4 Bundle (type collection, JSON-ready dict).

    ``audience`` is "clinician" (everything the admin shows: guideline notes, clinicians' notes,
    DetectedIssue flags) or "patient" (what the care plan lets the patient see). Every resource has been
    validated against its R4B model; every reference inside points at an entry's fullUrl.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, got {audience!r}")
    clinician = audience == CLINICIAN
    today = patient.local_today()
    plan = care_plan_for(patient=patient, today=today)

    fhir_patient = _patient(patient, clinician=clinician)
    subject = _ref(fhir_patient)
    diary = _diary_observations(DiaryEntry.objects.filter(patient=patient).order_by("date"), subject)
    statements = _medication_statements(
        Medication.objects.filter(patient=patient).order_by("start_date", "id"),
        {med.pk for med in plan.medications},
        subject,
        today,
        clinician=clinician,
    )
    careplan = _new("CarePlan", patient.pk, "care-plan")
    followups = list(FollowUp.objects.filter(patient=patient).order_by("due_date", "id"))
    tasks = [_task(followup, subject, careplan, clinician=clinician) for followup in followups]
    assignments = (
        Assignment.objects.filter(patient=patient).prefetch_related("items").order_by("start_date", "id")
    )
    careplan.update(
        status="active",
        intent="plan",
        title=str(wording.HEADING),
        description=str(wording.DISCLAIMER),
        subject=subject,
    )
    activity = [_assignment_activity(a, today) for a in assignments] + [{"reference": _ref(t)} for t in tasks]
    if activity:
        careplan["activity"] = activity

    resources = [
        fhir_patient,
        _condition(patient, subject),
        *(_recorded_conditions(patient, subject) if clinician else []),
        *_lab_observations(
            LabResult.objects.filter(patient=patient).order_by("drawn_on", "id"),
            subject,
            patient=patient,
            clinician=clinician,
        ),
        *_irls_observations(
            SeverityScore.objects.filter(patient=patient).order_by("scored_on", "id"), subject
        ),
        *diary.values(),
        *statements.values(),
        careplan,
        *tasks,
    ]
    if clinician:
        resources += _detected_issues(plan.medications, statements, plan.augmentation, diary, subject, today)
    now = timezone.now().isoformat()
    return {
        "resourceType": "Bundle",
        "id": str(uuid4()),
        "meta": {"lastUpdated": now},
        "type": "collection",
        "timestamp": now,
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": _checked(r)} for r in resources],
    }


def bundle_validate(bundle: dict) -> Bundle:
    """Return the Bundle parsed by its R4B model (every entry with it); raises on anything invalid."""
    return Bundle.model_validate(bundle)
