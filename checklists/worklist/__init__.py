"""The clinicians' worklist: who needs attention now, and why (issue 19)."""
