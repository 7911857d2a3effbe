"""Every clinical rule module and the default library declare the content version they implement."""

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

import checklists.careplan
from checklists.admin.sources import rule_source_html, rule_source_text
from checklists.careplan.content import CONTENT_VERSION, Ruleset
from checklists.careplan.severity import RULESET as IRLS_RULESET

# Modules of checklists/careplan/ that hold no clinical rule: the declaration itself, reads, writes
# (services.py and every <domain>_services.py), and drug-name resolution (no RLS rule: the medicine
# rules that use it are medications.py's, under its RULESET).
NOT_RULES = {"content", "selectors", "services", "drug_names"}
ROOT = Path(__file__).resolve().parents[2]


def rule_modules() -> list[str]:
    names = [info.name for info in pkgutil.iter_modules(checklists.careplan.__path__)]
    rules = [name for name in sorted(names) if name not in NOT_RULES and not name.endswith("_services")]
    return [f"checklists.careplan.{name}" for name in rules]


@pytest.mark.parametrize("module_name", [*rule_modules(), "checklists.library.defaults"])
def test_each_rule_module_declares_the_current_content_version(module_name: str) -> None:
    module: ModuleType = importlib.import_module(module_name)
    ruleset = getattr(module, "RULESET", None)
    assert isinstance(ruleset, Ruleset), f"{module_name} declares no RULESET = Ruleset(...)"
    assert ruleset.content_version == CONTENT_VERSION
    assert ruleset.sources and all(ruleset.sources)
    assert ruleset.reviewed_on is not None


def test_the_rule_modules_found_include_the_ones_this_part_wrote() -> None:
    assert {
        "checklists.careplan.severity",
        "checklists.careplan.wording",
        "checklists.careplan.safety",
    } <= set(rule_modules())


def test_the_source_line_names_sources_version_date_and_an_unrecorded_reviewer() -> None:
    text = rule_source_text(IRLS_RULESET)
    assert "Walters 2003" in text and f"irls-band c{CONTENT_VERSION}.r1" in text
    assert "2026-12-01" in text and "reviewer: not recorded" in text


def test_the_source_html_escapes_and_shows_a_stored_finding_s_own_version() -> None:
    ruleset = Ruleset(name="x", revision=1, sources=("<b>A & B</b>",), reviewer_role="sleep physician")
    html = str(rule_source_html(ruleset, rule_version="x c1.r9"))
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in html and "<b>" not in html
    assert "x c1.r9" in html and "x c2.r1" not in html and "sleep physician" in html


def test_the_aasm_2024_guideline_is_never_cited_as_allen_et_al() -> None:
    """Allen led the IRLSSG iron task force report (PMID 29425576), not the AASM 2024 guideline."""
    # Allen near the guideline's own PMID or DOI, or "AASM 2024 ... (Allen": the old wrong citation. The
    # task force report may be cited as Allen et al. on the same line (PMID 29425576).
    wrong = re.compile(r"Allen[^;\n]{0,40}(39324694|jcsm\.11390)|AASM[^;\n]{0,30}\(Allen")
    places = [
        ROOT / "README.md",
        *(ROOT / "checklists").rglob("*.py"),
        *(ROOT / "checklists").rglob("*.html"),
    ]
    places += [*(ROOT / "frontend" / "src").rglob("*.js"), ROOT / "frontend" / "strings.py"]
    offenders = [str(path.relative_to(ROOT)) for path in places if wrong.search(path.read_text())]
    assert offenders == []
