"""The code systems and codes the FHIR export (and the lab import) use, each defined once here.

External systems are used only for what they define: LOINC for ferritin and TSAT, UCUM for their units,
ICD-10-CM and WHO ICD-10 for restless legs syndrome, HL7's own terminology for categories. Everything else
(the IRLS total, for which no LOINC code exists; the diary's values, which are the app's own wording;
follow-up kinds, checklist categories, medication flags, the iron guideline category, the IRLS band) is in
the app's own code systems under ``OUR_BASE``: never an invented LOINC or SNOMED code.

``OUR_BASE`` is an identifier, not a locator: it must never change once a Bundle has left the app
(receiving systems store codes by system URI), whatever domain a deployment runs on.
"""

from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

from django.conf import settings

# Our own code systems and identifier namespaces.

OUR_BASE = "https://rlscare.example/fhir"

# Observations the app records that no external code system names: the IRLS total and the diary values.
OBSERVATION_SYSTEM = f"{OUR_BASE}/CodeSystem/observation"
IRLS_BAND_SYSTEM = f"{OUR_BASE}/CodeSystem/irls-band"  # Walters 2003 bands (checklists/careplan/severity.py)
IRON_CATEGORY_SYSTEM = f"{OUR_BASE}/CodeSystem/iron-guideline-category"  # AASM 2024 (careplan/labs.py)
FOLLOW_UP_KIND_SYSTEM = f"{OUR_BASE}/CodeSystem/follow-up-kind"  # FollowUpKind values
CARE_TRACK_SYSTEM = f"{OUR_BASE}/CodeSystem/care-track"  # iron, vascular, medication
FOLLOW_UP_STATUS_SYSTEM = f"{OUR_BASE}/CodeSystem/follow-up-status"  # planned, done, skipped, cancelled
CHECKLIST_CATEGORY_SYSTEM = f"{OUR_BASE}/CodeSystem/checklist-category"  # Category values
MEDICATION_FLAG_SYSTEM = f"{OUR_BASE}/CodeSystem/medication-flag"  # DetectedIssue.code

# Identifier systems: "this row of this table in RLS Care" (identifier.value is the row's id).
PATIENT_ID_SYSTEM = f"{OUR_BASE}/sid/patient"
LAB_RESULT_ID_SYSTEM = f"{OUR_BASE}/sid/lab-result"
FOLLOW_UP_ID_SYSTEM = f"{OUR_BASE}/sid/follow-up"

# Bundle-internal ids are UUIDs derived from the deployment (SITE_URL) and what a resource is about, so the
# same record gets the same urn:uuid in every export (a receiving system can recognise a resource it
# already has) and two deployments never give the same id to different patients' records.
ID_NAMESPACE: UUID = uuid5(NAMESPACE_URL, OUR_BASE)


def resource_uuid(*parts: object) -> str:
    """Return the stable UUID (text) of a resource named by ``parts``, e.g. ("Observation", "lab", 7)."""
    name = "/".join([settings.SITE_URL, *(str(part) for part in parts)])
    return str(uuid5(ID_NAMESPACE, name))


@dataclass(frozen=True)
class Code:
    system: str
    code: str
    display: str

    def coding(self) -> dict:
        """Return the FHIR Coding (JSON) for this code."""
        return {"system": self.system, "code": self.code, "display": self.display}

    def concept(self, text: str | None = None) -> dict:
        """Return a CodeableConcept (JSON) with this code and ``text`` (default: the display)."""
        return {"coding": [self.coding()], "text": text or self.display}


IRLS_TOTAL = Code(OBSERVATION_SYSTEM, "irls-total", "IRLS total score (0-40), clinician-entered")
DIARY_SEVERITY = Code(OBSERVATION_SYSTEM, "diary-severity", "Nightly RLS severity (0-10), patient diary")
DIARY_SLEEP_QUALITY = Code(OBSERVATION_SYSTEM, "diary-sleep-quality", "Sleep quality (0-10), patient diary")
DIARY_ONSET_TIME = Code(OBSERVATION_SYSTEM, "diary-onset-time", "Symptom onset time, patient diary")
DIARY_ARMS_INVOLVED = Code(OBSERVATION_SYSTEM, "diary-arms-involved", "Arms involved, patient diary")

MAY_WORSEN_RLS = Code(MEDICATION_FLAG_SYSTEM, "may-worsen-rls", "Medicine or substance that may worsen RLS")
POSSIBLE_AUGMENTATION = Code(MEDICATION_FLAG_SYSTEM, "possible-augmentation", "Possible augmentation")

# External code systems.

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD_10 = "http://hl7.org/fhir/sid/icd-10"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
SNOMED_CT = "http://snomed.info/sct"

# LOINC long common names.
FERRITIN = Code(LOINC, "2276-4", "Ferritin [Mass/volume] in Serum or Plasma")
TSAT = Code(LOINC, "2502-3", "Iron saturation [Mass Fraction] in Serum or Plasma")

# Restless legs syndrome: G25.81 exists in ICD-10-CM (and the German ICD-10-GM); WHO ICD-10 has no
# fifth character here and lists restless legs syndrome under G25.8.
RLS_ICD_10_CM = Code(ICD_10_CM, "G25.81", "Restless legs syndrome")
RLS_ICD_10 = Code(ICD_10, "G25.8", "Other specified extrapyramidal and movement disorders")

# The conditions the clinician records (Patient fields, checklists/careplan/conditions.py) with their
# SNOMED CT concept where a published FHIR value set lists it: HL7 Germany's GECCO implementation guide
# (github.com/hl7germany/forschungsnetz-covid19, input/fsh/valuesets/: ChronicKidneyDiseases,
# PregnancyStatus, DiabetesMellitusDiseases, CardiovascularDiseases, ChronicNeurologicalMentalDiseases)
# and Charité's NAPKON paediatrics guide (github.com/BIH-CEI/napkon-pediatrics,
# vs-chronic-hematologic-diseases.fsh). None: no such source found, so the Condition is text only rather
# than guessed. Dialysis is a note on the kidney disease (no concept says "on dialysis" at any stage).
CONDITION_SNOMED: dict[str, Code | None] = {
    "iron_deficiency_anaemia": Code(SNOMED_CT, "87522002", "Iron deficiency anemia (disorder)"),
    "chronic_kidney_disease": Code(SNOMED_CT, "709044004", "Chronic kidney disease (disorder)"),
    "pregnant": Code(SNOMED_CT, "77386006", "Pregnant (finding)"),
    "diabetes": Code(SNOMED_CT, "73211009", "Diabetes mellitus (disorder)"),
    "peripheral_neuropathy": None,
    "thyroid_disease": None,
    "parkinsons_disease": Code(SNOMED_CT, "49049000", "Parkinson's disease (disorder)"),
    "venous_insufficiency": None,
    "heart_failure": Code(SNOMED_CT, "84114007", "Heart failure (disorder)"),
}

LABORATORY = Code(OBSERVATION_CATEGORY, "laboratory", "Laboratory")
SURVEY = Code(OBSERVATION_CATEGORY, "survey", "Survey")
ACTIVE = Code(CONDITION_CLINICAL, "active", "Active")
PROBLEM_LIST_ITEM = Code(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")

# UCUM: the units the app stores (LabResult.ferritin_unit values, TSAT in %) -> (UCUM code, printed unit).
# ng/mL and ug/L are numerically equal; the unit as recorded is kept.
UCUM_UNITS: dict[str, tuple[str, str]] = {
    "ng/mL": ("ng/mL", "ng/mL"),
    "ug/L": ("ug/L", "µg/L"),
    "%": ("%", "%"),
}

# The source a "possible augmentation" DetectedIssue cites (DetectedIssue.reference is a URI).
AUGMENTATION_SOURCE = "https://pubmed.ncbi.nlm.nih.gov/27448465/"  # Garcia-Borreguero 2016
