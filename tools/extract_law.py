"""Extract the legal provisions of ../shared/spec/LAW.md into the rule base's law data.

Run `python tools/extract_law.py ../shared/spec/LAW.md src/lendguard/rulebase/data/law.json`;
`tests/unit/test_rulebase.py` fails when the committed data drifts from LAW.md.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HEADING = re.compile(r"^#### (?P<id>[A-Z][A-Za-z0-9./-]*[A-Za-z0-9]) · (?P<title>.+)$")
TABLE_ROW = re.compile(r"^\| (?P<id>[A-Z][A-Za-z0-9.]*(?:[-–][A-Za-z0-9./]+)*) \| (?P<rest>.+) \|$")
SECTION = re.compile(r"^#{2,3} (?P<title>.+)$")
FIRST_PROVISION_SECTION = "## 3."


def extract(text: str) -> list[dict[str, str]]:
    provisions: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    section = ""
    started = False
    for line in text.splitlines():
        if line.startswith(FIRST_PROVISION_SECTION):
            started = True
        if not started:
            continue
        if (match := HEADING.match(line)) is not None:
            current = {"id": match["id"], "title": match["title"].strip(), "section": section, "text": "", "gist": ""}
            provisions.append(current)
            continue
        if (match := SECTION.match(line)) is not None and not line.startswith("####"):
            section = match["title"].strip()
            current = None
            continue
        if (match := TABLE_ROW.match(line)) is not None and re.search(r"[\d-]", match["id"]):
            cells = [cell.strip() for cell in match["rest"].split(" | ")]
            provisions.append(
                {
                    "id": match["id"],
                    "title": cells[0],
                    "section": section,
                    "text": cells[1] if len(cells) > 2 else "",
                    "gist": cells[-1] if len(cells) > 1 else "",
                }
            )
            current = None
            continue
        if current is None:
            continue
        if line.startswith("> "):
            current["text"] = (current["text"] + "\n" + line[2:]).strip()
        elif line.startswith("- **Gist:**"):
            current["gist"] = line.removeprefix("- **Gist:**").strip()
        elif line.startswith("- **Text") and not current["text"]:
            current["text"] = line.split(":**", 1)[-1].strip()
    seen: dict[str, dict[str, str]] = {}
    for provision in provisions:
        seen.setdefault(provision["id"], provision)
    return list(seen.values())


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    provisions = extract(source.read_text(encoding="utf-8"))
    target.write_text(
        json.dumps({"source": "shared/spec/LAW.md", "provisions": provisions}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    print(f"{len(provisions)} provisions -> {target}")


if __name__ == "__main__":
    main()
