"""Care-plan domain logic: pure rules (labs, medications, augmentation, severity) plus services.

The rule modules import no models, so they are easy to test on their own; ``services`` does the writes.
"""
