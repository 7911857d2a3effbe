"""The medicine check on its test set: precision and recall per flag class, speed, and the old matcher.

    .venv/bin/python bench/medication_recognition.py           # figures
    .venv/bin/python bench/medication_recognition.py --wrong   # and every entry it gets wrong

Reads tests/careplan/data/medication_entries.csv (real-world entries from public drug-name sources;
see tests/careplan/medication_testset.py for how it is scored). Prints, for the current check and for
the hand-list matcher it replaced (checklists/careplan/medications.py at ``OLD_MATCHER_REF``, the
commit before issue 16, read with ``git show``; skipped without git), the precision and recall
of the dopaminergic flag, the may-worsen-RLS flag and either flag, the state and ingredient accuracy,
and the "false safe" count. Then the dictionary's load time (cold, in a fresh process) and the time per
name (median over the test set, warm), the figure that matters on the admin's save path.
"""

import argparse
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.careplan.medication_testset import (  # noqa: E402
    FLAG_CLASSES,
    NOT_FLAGGED,
    Predicted,
    Score,
    rows,
    score,
)

# The last commit before issue 16: its medications.py is the hand-list matcher.
OLD_MATCHER_REF = "81b36c493490f20bbeb86b994a3c8cbd42def635:checklists/careplan/medications.py"


def predict_new(entry: str) -> Predicted:
    from checklists.careplan.medications import match_medication

    match = match_medication(entry)
    return Predicted(state=str(match.state), ingredients=frozenset(match.ingredients))


def old_matcher() -> types.ModuleType | None:
    try:
        source = subprocess.run(
            ["git", "show", OLD_MATCHER_REF], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    if "RULESET" in source:  # already the new check: nothing to compare with
        return None
    module = types.ModuleType("old_medications")
    exec(compile(source, "old_medications.py", "exec"), module.__dict__)  # our own old code
    return module


def predictor_old(module: types.ModuleType) -> Callable[[str], Predicted]:
    def predict(entry: str) -> Predicted:
        match = module.match_medication(entry)
        state = (
            "dopaminergic"
            if match.is_dopaminergic
            else "may_worsen_rls"
            if match.may_worsen_rls
            else NOT_FLAGGED
        )
        return Predicted(state=state, ingredients=frozenset(match.generic_name.split(" / ")))

    return predict


def report(title: str, result: Score, show_wrong: bool) -> None:
    print(f"\n{title} ({result.total} entries)")
    for flag in (*FLAG_CLASSES, "any"):
        label = "either flag" if flag == "any" else flag
        print(f"  {label:16} precision {result.precision(flag):6.1%}   recall {result.recall(flag):6.1%}")
    print(
        f"  state right      {result.states_right / result.total:6.1%} ({result.states_right}/{result.total})"
    )
    if result.ingredients_scored:
        share = result.ingredients_right / result.ingredients_scored
        print(f"  ingredients right {share:5.1%} ({result.ingredients_right}/{result.ingredients_scored})")
    print(f"  false safe       {len(result.false_safe)} (should be flagged or checked, shown as not flagged)")
    if show_wrong:
        for entry, expected, got in result.wrong:
            print(f"    {entry!r}: expected {expected}, got {got}")
        for entry in result.false_safe:
            print(f"    false safe: {entry!r}")


def cold_load_seconds() -> float:
    code = (
        f"import time, sys; sys.path.insert(0, {str(ROOT)!r}); t = time.perf_counter();"
        "from checklists.careplan import drug_names; drug_names.load();"
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--wrong", action="store_true", help="list the entries each matcher gets wrong")
    args = parser.parse_args()
    testset = rows()
    report("medicine check (dictionary + sourced table)", score(testset, predict_new), args.wrong)
    old = old_matcher()
    if old is not None:
        report("old hand-list matcher", score(testset, predictor_old(old)), args.wrong)
    load = cold_load_seconds()
    timings = []
    for row in testset:
        start = time.perf_counter()
        predict_new(row.entry)
        timings.append(time.perf_counter() - start)
    print(f"\ndictionary load (cold, fresh process): {load * 1000:.0f} ms")
    print(
        f"per name (warm): median {statistics.median(timings) * 1000:.2f} ms, "
        f"max {max(timings) * 1000:.1f} ms over {len(timings)} names"
    )


if __name__ == "__main__":
    main()
