"""Two phones syncing the same patient at the same moment still end in the last-writer-wins state."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections

from checklists.models import CheckOff, Patient
from checklists.sync.apply import sync_apply
from checklists.sync.parse import parse_batch
from tests.api.conftest import checkoff_op, make_plan

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)"
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_of_one_patient_apply_one_after_the_other(patient):
    plan = make_plan(patient, items=5)
    items = list(plan.items.all())
    today = patient.local_today()
    days = [today - timedelta(days=d) for d in range(10)]
    # Phone A's ops are older on even days, newer on odd days; phone B's the other way round.
    phone_a = [
        checkoff_op(i, d, done=True, at=(0 if n % 2 == 0 else 10)) for i in items for n, d in enumerate(days)
    ]
    phone_b = [
        checkoff_op(i, d, done=False, at=(10 if n % 2 == 0 else 0)) for i in items for n, d in enumerate(days)
    ]
    start = threading.Barrier(2)
    errors = []

    def send(ops):
        try:
            start.wait()
            fresh = Patient.objects.get(pk=patient.pk)
            sync_apply(patient=fresh, batch=parse_batch({"ops": ops, "since": None}))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(ops,)) for ops in (phone_a, phone_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    state = {(c.item_id, c.date): c.done for c in CheckOff.objects.filter(patient=patient)}
    assert state == {(i.pk, d): n % 2 == 1 for i in items for n, d in enumerate(days)}
    seqs = list(CheckOff.objects.filter(patient=patient).values_list("seq", flat=True))
    assert len(set(seqs)) == len(seqs)
    assert Patient.objects.get(pk=patient.pk).sync_seq == max(seqs)
