"""Builds Kithkin's ICD-10-CM list (data/icd10cm.json) from the official tabular list.

ICD-10-CM is a work of the US Government (CDC's National Center for Health Statistics, for CMS)
and in the public domain. Its Tabular List of Diseases and Injuries is published each year as
``icd10cm-tabular-<release>.xml``; the list shipped here was built from the April 1, 2026
update of the FY2026 release, the copy bundled in simple-icd-10-cm 1.5.0 (MIT), unchanged.
Titles and inclusion terms are copied as the CDC wrote them, never edited.

Run it once a year, when the new release comes out (effective 1 October)::

    python -m kithkin.assessments.icd10_extract icd10cm-tabular-2027.xml \
        > src/kithkin/assessments/data/icd10cm.json

Only the codes a psychotherapist records are kept (SCOPE): the whole of chapter 5, mental,
behavioral and neurodevelopmental disorders; the emotional-state signs of R45 (suicidal ideation
among them); and the psychosocial circumstances of Z55-Z65, where problems in relationships,
family, work, housing and the social environment live (seed 004's "systems, not just
individuals"). Widening the list is a change to SCOPE and a new run.
"""

import json
import sys

# The CDC's own file, read at build time only; the runtime reads the JSON this writes.
from xml.etree import ElementTree

SCOPE = "F01-F99, R45, Z55-Z65"


def in_scope(code: str) -> bool:
    category = code[:3]
    return category[0] == "F" or category == "R45" or "Z55" <= category <= "Z65"


def extract(tabular_xml: str) -> dict:
    root = ElementTree.parse(tabular_xml).getroot()  # noqa: S314 (the CDC's file, trusted)
    rows = []

    def walk(diag):
        code = diag.findtext("name").strip()
        children = diag.findall("diag")
        if in_scope(code):
            terms = [note.text.strip() for note in diag.findall("inclusionTerm/note") if note.text]
            rows.append([code, diag.findtext("desc").strip(), not children, terms])
        for child in children:
            walk(child)

    for diag in root.iter("diag"):
        # Only the categories start a walk; their subcategories are reached through them.
        if len(diag.findtext("name", "").strip()) == 3:
            walk(diag)
    return {
        "source": "ICD-10-CM Tabular List of Diseases and Injuries (CDC/NCHS for CMS; public "
        "domain)",
        "release": f"FY{root.findtext('version').strip()}",
        "scope": SCOPE,
        "codes": rows,
    }


def main(argv: list[str]) -> None:
    data = extract(argv[1])
    codes = data.pop("codes")
    # One code a line, so a new release reads as a short diff.
    head = json.dumps(data, ensure_ascii=False)[:-1]
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in codes)
    sys.stdout.write(f'{head}, "codes": [\n{lines}\n]}}\n')


if __name__ == "__main__":
    main(sys.argv)
