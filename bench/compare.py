"""Revisions side by side, from the runs bench/run.py recorded in var/bench/history.jsonl.

    .venv/bin/python bench/compare.py 828fe85 ee495b2 HEAD [--database sqlite] [--markdown]
        [--max-other 25] [--last 3]

Each figure is the median over the recorded runs of that revision on that database, with the
range of the runs after it when there are several. Runs in which other work used more than
--max-other percent of the CPUs while the server was measured are left out (and counted).
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "var" / "bench" / "history.jsonl"


def page(name: str, figures: str, stat: str):
    """A page's figure, or None for a run without that page (the bullseye before it existed)."""
    return lambda r: r["pages"].get(name, {}).get(figures, {}).get(stat)


def concurrent(run: dict, name: str) -> float:
    return run["pages"][name]["concurrent"]["throughput_rps"]


def floor(run: dict, name: str, stat: str) -> float:
    return run["pages"][name]["floor"]["data"][stat]


# (row, the measuring window whose noise decides whether a run counts, how to read it)
ROWS = [
    ("caseload p50", "server", page("caseload", "latency", "p50")),
    ("caseload p95", "server", page("caseload", "latency", "p95")),
    ("client page p50", "server", page("client", "latency", "p50")),
    ("client page p95", "server", page("client", "latency", "p95")),
    ("bullseye page (40 people) p50", "server", page("sphere_map", "latency", "p50")),
    ("bullseye page (40 people) p95", "server", page("sphere_map", "latency", "p95")),
    ("timeline (300 sessions) p50", "server", page("timeline", "latency", "p50")),
    ("timeline (300 sessions) p95", "server", page("timeline", "latency", "p95")),
    ("/healthz p50", "server", lambda r: r["ceiling"]["sequential"]["p50"]),
    ("caseload req/s, 8 connections", "server", lambda r: concurrent(r, "caseload")),
    ("client page req/s, 8 connections", "server", lambda r: concurrent(r, "client")),
    (
        "/healthz req/s, 8 connections",
        "server",
        lambda r: r["ceiling"]["concurrent"]["throughput_rps"],
    ),
    (
        "other work % (server)",
        "server",
        lambda r: r["cpu_during_measurement"]["other_work_percent"],
    ),
    ("in-process caseload p50", "capture", page("caseload", "inprocess", "p50")),
    ("... without audit append", "capture", page("caseload", "inprocess_without_audit", "p50")),
    ("in-process client p50", "capture", page("client", "inprocess", "p50")),
    ("... without audit append ", "capture", page("client", "inprocess_without_audit", "p50")),
    ("in-process bullseye p50", "capture", page("sphere_map", "inprocess", "p50")),
    ("audit append p50", "capture", lambda r: r["audit_append"].get("p50")),
    ("audit append p95", "capture", lambda r: r["audit_append"].get("p95")),
    ("caseload raw-SQL floor p50", "capture", lambda r: floor(r, "caseload", "p50")),
    ("caseload raw-SQL floor p95", "capture", lambda r: floor(r, "caseload", "p95")),
    ("client page raw-SQL floor p50", "capture", lambda r: floor(r, "client", "p50")),
    ("client page raw-SQL floor p95", "capture", lambda r: floor(r, "client", "p95")),
    (
        "other work % (in-process)",
        "capture",
        lambda r: r["cpu_during_capture"]["other_work_percent"],
    ),
]
WINDOWS = {"server": "cpu_during_measurement", "capture": "cpu_during_capture"}


def quiet(run: dict, window: str, limit: float) -> bool:
    """Whether other work stayed under ``limit`` percent; unknown (older runs) counts as no."""
    other = (run.get(WINDOWS[window]) or {}).get("other_work_percent")
    return other is not None and other <= limit


def short_sha(rev: str) -> str:
    done = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "rev-parse", "--short=7", f"{rev}^{{commit}}"],  # noqa: S607
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or rev


def cell(values: list) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    middle = statistics.median(values)
    if len(values) == 1:
        return f"{middle:.{2 if middle < 10 else 1}f}"
    digits = 2 if middle < 10 else 1
    return f"{middle:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", nargs="+", metavar="REV")
    parser.add_argument("--database", choices=["sqlite", "postgresql"])
    parser.add_argument("--max-other", type=float, default=25.0, metavar="PERCENT")
    parser.add_argument("--last", type=int, default=0, help="only the last N runs of each")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args()
    try:
        runs = [json.loads(line) for line in HISTORY.read_text().splitlines() if line.strip()]
    except OSError:
        print(f"no runs recorded yet ({HISTORY.relative_to(ROOT)})", file=sys.stderr)
        return 1
    shorts = [short_sha(rev) for rev in args.revisions]
    labels = [
        short if rev == short else f"{short} ({rev})"
        for rev, short in zip(args.revisions, shorts, strict=True)
    ]
    for database in [args.database] if args.database else ["sqlite", "postgresql"]:
        runs_of = {}
        for short in shorts:
            mine = [r for r in runs if r["source"] == short and r["database"] == database]
            runs_of[short] = {"all": mine}
            for window in WINDOWS:
                kept = [r for r in mine if quiet(r, window, args.max_other)]
                runs_of[short][window] = kept[-args.last :] if args.last else kept
        table = [["", *labels]]
        counts = [
            "{} / {} of {}".format(*(len(runs_of[s][key]) for key in ("server", "capture", "all")))
            for s in shorts
        ]
        table.append(["runs kept: server / in-process", *counts])
        for name, window, read in ROWS:
            table.append(
                [name.strip(), *(cell([read(r) for r in runs_of[s][window]]) for s in shorts)]
            )
        print(
            f"\n{database}: ms, median of the runs where other work used <= {args.max_other:g}% "
            "of the CPUs (range of the runs in brackets)"
        )
        if args.markdown:
            print("| " + " | ".join(table[0]) + " |")
            print("|---" * len(table[0]) + "|")
            for row in table[1:]:
                print("| " + " | ".join(row) + " |")
        else:
            for row in table:
                print(f"{row[0]:<36}" + "".join(f"{value:>22}" for value in row[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
