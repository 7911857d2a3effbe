"""FHIR R4: the patient's record as a Bundle (export.py), the code systems it uses (codes.py), and the
clinicians' endpoint GET /fhir/Patient/<id>/$everything (views.py)."""
