"""The backup manifest: what a backup holds, written beside it, and checked again on restore.

A restore is trusted only when the restored database says the same as the manifest: the same
audit chain heads (so no event was lost or added) and the same number of rows in every table.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


class ManifestError(ValueError):
    """The manifest is missing, unreadable or of an unknown format."""


@dataclass(frozen=True)
class ChainHeadState:
    seq: int
    hash: str


@dataclass(frozen=True)
class Manifest:
    created_at: str
    vendor: str
    kithkin_version: str
    backup_file: str
    sha256: str
    encrypted: bool
    audit_heads: Mapping[str, ChainHeadState]
    row_counts: Mapping[str, int]
    format_version: int = FORMAT_VERSION
    notes: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        document = {
            "format_version": self.format_version,
            "created_at": self.created_at,
            "vendor": self.vendor,
            "kithkin_version": self.kithkin_version,
            "backup_file": self.backup_file,
            "sha256": self.sha256,
            "encrypted": self.encrypted,
            "audit_heads": {
                practice: {"seq": head.seq, "hash": head.hash}
                for practice, head in sorted(self.audit_heads.items(), key=lambda i: int(i[0]))
            },
            "row_counts": dict(sorted(self.row_counts.items())),
            "notes": dict(self.notes),
        }
        return json.dumps(document, indent=2) + "\n"


def manifest_from_json(text: str) -> Manifest:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(f"the manifest is not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise ManifestError("the manifest is not a JSON object")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ManifestError(
            f"manifest format {version!r} is not one this Kithkin reads ({FORMAT_VERSION})"
        )
    try:
        backup_file = str(document["backup_file"])
        # The file must sit beside the manifest: a name like "../x" would read anywhere.
        if (
            not backup_file
            or "/" in backup_file
            or "\\" in backup_file
            or backup_file in {".", ".."}
        ):
            raise ManifestError(f"the manifest names an unsafe backup file: {backup_file!r}")
        return Manifest(
            format_version=version,
            created_at=str(document["created_at"]),
            vendor=str(document["vendor"]),
            kithkin_version=str(document["kithkin_version"]),
            backup_file=backup_file,
            sha256=str(document["sha256"]),
            encrypted=bool(document["encrypted"]),
            audit_heads={
                str(practice): ChainHeadState(int(head["seq"]), str(head["hash"]))
                for practice, head in document["audit_heads"].items()
            },
            row_counts={str(table): int(n) for table, n in document["row_counts"].items()},
            notes={str(k): str(v) for k, v in document.get("notes", {}).items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        if isinstance(error, ManifestError):
            raise
        raise ManifestError(f"the manifest is incomplete or malformed: {error!r}") from error


def differences(
    manifest: Manifest,
    *,
    audit_heads: Mapping[str, ChainHeadState],
    row_counts: Mapping[str, int],
) -> list[str]:
    """Every way the restored database differs from the manifest, in words; empty when none."""
    found = []
    for practice in sorted(set(manifest.audit_heads) | set(audit_heads), key=int):
        expected, actual = manifest.audit_heads.get(practice), audit_heads.get(practice)
        if expected != actual:
            found.append(
                f"audit chain head of practice {practice}: backup says {_head(expected)}, "
                f"restored database has {_head(actual)}"
            )
    for table in sorted(set(manifest.row_counts) | set(row_counts)):
        expected, actual = manifest.row_counts.get(table), row_counts.get(table)
        if expected != actual:
            found.append(
                f"table {table}: backup says {_rows(expected)}, restored database has "
                f"{_rows(actual)}"
            )
    return found


def _head(head: ChainHeadState | None) -> str:
    return "no chain" if head is None else f"#{head.seq} {head.hash[:12]}"


def _rows(count: int | None) -> str:
    return "no such table" if count is None else f"{count} rows"
