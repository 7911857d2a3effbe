"""Patients and clinicians: accounts, invitations, settings and data rights."""
