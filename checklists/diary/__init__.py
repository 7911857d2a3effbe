"""The nightly symptom diary."""
