"""Clinics apart: whose clinic a clinician and a patient belong to, and what each clinic sets for itself."""
