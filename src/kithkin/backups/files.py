"""The backup folder: the database file, its manifest beside it, written whole or not at all."""

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.utils import timezone

from kithkin.backups.inspection import Contents
from kithkin.backups.sealing import SealError, seal, unseal
from kithkin.core.backups import (
    MANIFEST_NAME,
    Manifest,
    ManifestError,
    differences,
    manifest_from_json,
)


class BackupError(Exception):
    """A backup or a restore refused or failed; the message says why, in words for the operator."""


@dataclass(frozen=True)
class Backup:
    directory: Path
    manifest: Manifest

    @property
    def file(self) -> Path:
        return self.directory / self.manifest.backup_file


def kithkin_version() -> str:
    try:
        return version("kithkin")
    except PackageNotFoundError:
        return "unknown"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def new_backup_directory(to: Path) -> Iterator[Path]:
    """Creates ``to``; on any error removes it again, so a failed backup leaves nothing that could
    be mistaken for a good one. The manifest is written last."""
    to = Path(to)
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise BackupError(f"{to} already exists and is not an empty folder")
    created = not to.exists()
    to.mkdir(parents=True, exist_ok=True)
    try:
        yield to
    except BaseException:
        if created:
            shutil.rmtree(to, ignore_errors=True)
        else:
            for child in to.iterdir():
                child.unlink() if child.is_file() else shutil.rmtree(child, ignore_errors=True)
        raise


def finish_backup(
    directory: Path,
    plain: Path,
    *,
    vendor: str,
    contents: Contents,
    passphrase: bytes | None,
    notes: dict[str, str],
) -> Backup:
    """Encrypts the plain copy if asked, then writes the manifest that describes it."""
    if passphrase is not None:
        sealed = plain.with_name(plain.name + ".aes")
        with plain.open("rb") as source, sealed.open("wb") as target:
            seal(source, target, passphrase=passphrase)
            target.flush()
            os.fsync(target.fileno())
        plain.unlink()
        stored = sealed
    else:
        fsync_path(plain)
        stored = plain
    if contents.broken_chains:
        notes = {
            **notes,
            "audit_chains": "; ".join(
                f"practice {p} BROKEN at event {v.first_bad_id}: {v.reason}"
                for p, v in contents.broken_chains.items()
            ),
        }
    manifest = Manifest(
        created_at=timezone.now().isoformat(),
        vendor=vendor,
        kithkin_version=kithkin_version(),
        backup_file=stored.name,
        sha256=sha256_of(stored),
        encrypted=passphrase is not None,
        audit_heads=contents.audit_heads,
        row_counts=contents.row_counts,
        notes=notes,
    )
    partial = directory / (MANIFEST_NAME + ".partial")
    partial.write_text(manifest.to_json())
    fsync_path(partial)
    os.replace(partial, directory / MANIFEST_NAME)
    fsync_path(directory)
    return Backup(directory, manifest)


def open_backup(directory: Path, *, vendor: str) -> Backup:
    """Reads the manifest and checks the file's SHA-256 before anything else is touched."""
    directory = Path(directory)
    try:
        manifest = manifest_from_json((directory / MANIFEST_NAME).read_text())
    except FileNotFoundError:
        raise BackupError(f"{directory} has no {MANIFEST_NAME}: not a Kithkin backup") from None
    except ManifestError as error:
        raise BackupError(str(error)) from error
    if manifest.vendor != vendor:
        raise BackupError(f"this backup is of a {manifest.vendor} database; the target is {vendor}")
    backup = Backup(directory, manifest)
    if not backup.file.is_file():
        raise BackupError(f"the backup file {backup.file} is missing")
    actual = sha256_of(backup.file)
    if actual != manifest.sha256:
        raise BackupError(
            f"the backup file {backup.file.name} has SHA-256 {actual}, but the manifest says "
            f"{manifest.sha256}: it was altered or damaged; nothing was restored"
        )
    return backup


def plain_copy(backup: Backup, target: Path, *, passphrase: bytes | None) -> None:
    """The backup's database, decrypted if it was encrypted, written to ``target``."""
    if not backup.manifest.encrypted:
        shutil.copyfile(backup.file, target)
        return
    if passphrase is None:
        raise BackupError("this backup is encrypted and no passphrase was given")
    try:
        with backup.file.open("rb") as source, target.open("wb") as plain:
            unseal(source, plain, passphrase=passphrase)
            plain.flush()
            os.fsync(plain.fileno())
    except SealError as error:
        raise BackupError(str(error)) from error


def check_contents(backup: Backup, contents: Contents) -> None:
    """The audit trail verifies, and the heads and every row count are the manifest's."""
    if contents.broken_chains:
        raise BackupError(
            "the restored audit trail does not verify: "
            + "; ".join(
                f"practice {p} broken at event {v.first_bad_id}: {v.reason}"
                for p, v in contents.broken_chains.items()
            )
        )
    found = differences(
        backup.manifest, audit_heads=contents.audit_heads, row_counts=contents.row_counts
    )
    if found:
        raise BackupError(
            "the restored database does not match the backup's manifest: " + "; ".join(found)
        )
