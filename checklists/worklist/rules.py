"""The clinicians' worklist: why a patient needs attention now, and when that became so (pure functions).

Each rule returns an ``Attention`` (or None): the reason, what the clinician reads, and ``since``: the
moment this occurrence of the reason began. A review marked at or after ``since`` keeps it quiet
(``is_quiet``); something new moves ``since`` past the review and the reason shows again. "New" is, per
reason:

- overdue follow-up: another planned follow-up passes its due date (the day after its due date begins);
- lab result: a new lab result is entered, or its guideline note changes (a result a clinician entered
  whose note needs no action counts as read by them);
- possible augmentation: a new stored finding (reviewed on the finding itself, AugmentationFinding);
- medicine flagged: a new medicine check finding (a new medicine, a renamed one, newer rules) without a
  clinician override;
- severity worse / adherence low: a whole new window of nights or days after the review still shows it;
- no sync from the phone: the phone synced after the review, then went quiet again for N days;
- invitation: it is sent again, or the link sent expires, after the review.

The thresholds are clinic policy, not clinical content (settings ``WORKLIST_*`` and
``ADHERENCE_ALERT_BELOW_PERCENT`` give their reasons); the order of urgency is the app's, not a triage.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from checklists.careplan.content import Ruleset

RULESET = Ruleset(
    name="worklist",
    revision=1,
    sources=(
        "Clinic policy (rlsapp/settings.py WORKLIST_*, ADHERENCE_ALERT_BELOW_PERCENT); "
        "iron notes: checklists/careplan/labs.py; augmentation: checklists/careplan/augmentation.py",
    ),
)


class Reason(models.TextChoices):
    """Why a patient is on the worklist; the declaration order is the order of urgency."""

    AUGMENTATION = "augmentation", _("Possible augmentation")
    LAB_ACTION = "lab_action", _("Iron result: the note says it needs action")
    SEVERITY_WORSE = "severity_worse", _("Severity worse")
    OVERDUE_FOLLOW_UP = "overdue_follow_up", _("Overdue follow-up")
    MEDICATION_FLAGGED = "medication_flagged", _("Medicine flagged")
    LAB_UNREVIEWED = "lab_unreviewed", _("Iron result not reviewed")
    ADHERENCE_LOW = "adherence_low", _("Adherence low")
    NO_SYNC = "no_sync", _("No sync from the phone")
    INVITATION = "invitation", _("Invitation not accepted")


URGENCY: dict[str, int] = {reason: rank for rank, reason in enumerate(Reason.values)}
# Both lab reasons are about the same result: one review covers either.
REVIEW_KEY: dict[str, str] = {Reason.LAB_ACTION: "lab", Reason.LAB_UNREVIEWED: "lab"}


def review_key(reason: str) -> str:
    """Return the key a review of ``reason`` is stored under (WorklistReview.reason)."""
    return REVIEW_KEY.get(reason, reason)


def _no_detail() -> str:
    return ""


@dataclass(frozen=True)
class Attention:
    """One open reason: ``describe`` gives the line the clinician reads (in their language), made only
    for the rows a page shows."""

    reason: str
    since: datetime
    describe: Callable[[], str] = field(default=_no_detail, compare=False)

    @property
    def detail(self) -> str:
        return self.describe()

    @property
    def label(self) -> str:
        return str(Reason(self.reason).label)

    @property
    def urgency(self) -> int:
        return URGENCY[self.reason]


def is_quiet(attention: Attention, reviewed_at: datetime | None) -> bool:
    """Return whether a review at ``reviewed_at`` covers ``attention`` (nothing new since)."""
    return reviewed_at is not None and reviewed_at >= attention.since


def day_start(day: date, zone: tzinfo) -> datetime:
    """Return the moment ``day`` begins in ``zone`` (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=zone)


def overdue_follow_up(due_dates: Iterable[date], today: date, zone: tzinfo) -> Attention | None:
    """Planned follow-ups due before ``today``: since the latest of them became overdue."""
    overdue = sorted(d for d in due_dates if d < today)
    if not overdue:
        return None
    days, count = (today - overdue[0]).days, len(overdue)

    def describe() -> str:
        return ngettext(
            "%(count)d overdue, the oldest by %(days)d day",
            "%(count)d overdue, the oldest by %(days)d days",
            days,
        ) % {"count": count, "days": days}

    return Attention(Reason.OVERDUE_FOLLOW_UP, day_start(overdue[-1] + timedelta(days=1), zone), describe)


def lab_result(
    *,
    entered_at: datetime,
    note_changed_at: datetime | None,
    flagged: bool,
    note: Callable[[], str],
    drawn_on: date,
    entered_by_clinician: bool,
) -> Attention | None:
    """The latest lab result: "needs action" when its guideline note is flagged (labs.NOT_FLAGGED are
    not), otherwise "not reviewed" unless a clinician entered it by hand or from a file (they read the
    note as they saved it; its note changing since still asks again); since it was entered or its note
    last changed."""
    since = max(entered_at, note_changed_at) if note_changed_at else entered_at
    if not flagged and entered_by_clinician and note_changed_at is None:
        return None
    reason = Reason.LAB_ACTION if flagged else Reason.LAB_UNREVIEWED
    return Attention(reason, since, lambda: f"{drawn_on.isoformat()}: {note()}")


def augmentation(*, flagged: bool, reviewed: bool, computed_at: datetime) -> Attention | None:
    """The latest stored screening finding, while it is flagged and not reviewed."""
    if not flagged or reviewed:
        return None
    return Attention(
        Reason.AUGMENTATION, computed_at, lambda: str(_("screening criteria appear met: review"))
    )


@dataclass(frozen=True)
class FlaggedMedicine:
    name: str
    state_label: Callable[[], str]
    found_at: datetime  # the current medicine check finding's time
    overridden: bool  # a clinician corrected the current finding: that is its review


def medication_flagged(medicines: Iterable[FlaggedMedicine]) -> Attention | None:
    """Current medicines the check flagged (may worsen RLS, not recognised) without an override; since
    the newest of their findings."""
    open_ = [m for m in medicines if not m.overridden]
    if not open_:
        return None

    def describe() -> str:
        return "; ".join(f"{m.name} ({m.state_label()})" for m in open_)

    return Attention(Reason.MEDICATION_FLAGGED, max(m.found_at for m in open_), describe)


def severity_worse(
    *,
    recent: tuple[float | None, int],
    before: tuple[float | None, int],
    window_start: date,
    zone: tzinfo,
    rise: int,
    min_nights: int,
) -> Attention | None:
    """The diary's mean nightly severity in the recent window (mean, nights) is at least ``rise`` above
    the window before; since the recent window began (a review covers this window only)."""
    (recent_mean, recent_n), (before_mean, before_n) = recent, before
    if recent_mean is None or before_mean is None or min(recent_n, before_n) < min_nights:
        return None
    if recent_mean - before_mean < rise:
        return None
    values = {"before": before_mean, "recent": recent_mean}

    def describe() -> str:
        return str(_("mean nightly severity %(before).1f → %(recent).1f (0-10)")) % values

    return Attention(Reason.SEVERITY_WORSE, day_start(window_start, zone), describe)


def adherence_low(
    *, done: int, due: int, below: float, window_start: date, zone: tzinfo, label: Callable[[], str]
) -> Attention | None:
    """Adherence (plan.rules.count_adherence) under the share ``below`` (0-1); since its window began."""
    if not due or done >= below * due:
        return None
    return Attention(
        Reason.ADHERENCE_LOW,
        day_start(window_start, zone),
        lambda: f"{round(100 * done / due)}% ({done}/{due}), {label()}",
    )


def no_sync(
    *, accepted: bool, last_sync: datetime | None, accepted_at: datetime | None, now: datetime, days: int
) -> Attention | None:
    """An accepted patient's phone has sent nothing for ``days`` days (counted from the last sync, or
    from the acceptance when it never synced); since the moment that became so."""
    start = last_sync or accepted_at
    if not accepted or start is None:
        return None
    since = start + timedelta(days=days)
    if since > now:
        return None
    if last_sync is None:
        return Attention(Reason.NO_SYNC, since, lambda: str(_("never synced")))
    quiet_days = (now - last_sync).days

    def describe() -> str:
        return ngettext("last sync %(days)d day ago", "last sync %(days)d days ago", quiet_days) % {
            "days": quiet_days
        }

    return Attention(Reason.NO_SYNC, since, describe)


def invitation(
    *,
    accepted: bool,
    invited_at: datetime | None,
    created_at: datetime,
    valid_for: timedelta,
    now: datetime,
    labels: dict[str, str],
) -> Attention | None:
    """An invitation not sent, sent and not yet accepted, or expired (accounts.invitations, as of
    ``now``); since it was sent (or expired, or the patient was added when none was sent). ``labels``:
    the InvitationState labels by value ("not-sent", "sent", "expired")."""
    if accepted:
        return None
    if invited_at is None:
        return Attention(Reason.INVITATION, created_at, lambda: labels["not-sent"])
    if invited_at + valid_for <= now:
        return Attention(Reason.INVITATION, invited_at + valid_for, lambda: labels["expired"])
    return Attention(Reason.INVITATION, invited_at, lambda: labels["sent"])


def rank(attentions: Iterable[Attention]) -> tuple[int, int, datetime]:
    """The sort key of a patient's open reasons, most urgent first: the most urgent reason, then the
    number of reasons, then the longest waiting."""
    items = list(attentions)
    return (min(a.urgency for a in items), -len(items), min(a.since for a in items))
