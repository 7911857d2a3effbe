"""The intake log: a medicine's schedule as the clinician entered it, and the doses a patient records."""
