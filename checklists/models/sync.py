from django.db import models


class SyncOp(models.Model):
    """Every client operation id the server has accepted, so a replayed op changes nothing."""

    op_id = models.UUIDField(primary_key=True)
    patient = models.ForeignKey("checklists.Patient", on_delete=models.CASCADE, related_name="sync_ops")
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.op_id)
