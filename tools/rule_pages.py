"""Write docs/rules/<RULE-ID>.md (and the index README.md) from the rule base and tests/rules/ cases.

python tools/rule_pages.py            # regenerate the pages
python tools/rule_pages.py --check    # exit 1 when a committed page differs from the rule base
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from lendguard.reports.rule_page import RuleExample, render_index, render_rule_page
from lendguard.rulebase import RuleBase, load_rulebase

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "docs" / "rules"
CASES = REPO / "tests" / "rules"


def example(rule_id: str) -> RuleExample | None:
    case = CASES / rule_id / "case.yaml"
    if not case.is_file():
        return None
    data = yaml.safe_load(case.read_text(encoding="utf-8"))
    return RuleExample(
        case=str(case.relative_to(REPO)),
        positive=data["positive"],
        negative=data["negative"],
        expect=tuple(str(text) for text in data.get("expect", ())),
    )


def pages(rulebase: RuleBase) -> dict[str, str]:
    """File name -> content of every page."""
    generated = {
        f"{rule.id}.md": render_rule_page(rule, rulebase, example(rule.id)) for rule in rulebase.rules.values()
    }
    return {"README.md": render_index(rulebase), **generated}


def drift(rulebase: RuleBase) -> list[str]:
    """Pages that are missing, stale or left over (empty: the docs match the rule base)."""
    expected = pages(rulebase)
    problems = [
        f"{name}: {'missing' if not (PAGES / name).is_file() else 'stale'}"
        for name, text in expected.items()
        if not (PAGES / name).is_file() or (PAGES / name).read_text(encoding="utf-8") != text
    ]
    problems += [f"{path.name}: no such rule" for path in sorted(PAGES.glob("*.md")) if path.name not in expected]
    return problems


def main(argv: list[str]) -> int:
    rulebase = load_rulebase()
    if "--check" in argv:
        problems = drift(rulebase)
        for problem in problems:
            print(f"docs/rules/{problem}", file=sys.stderr)
        return 1 if problems else 0
    PAGES.mkdir(parents=True, exist_ok=True)
    for path in PAGES.glob("*.md"):
        path.unlink()
    for name, text in pages(rulebase).items():
        (PAGES / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(rulebase.rules)} rule pages into {PAGES.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
