"""Where the field keys live: KITHKIN_FIELD_KEYS in the environment, or a key file under var/."""

import os
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet


def create_once(path: Path, content: str) -> str:
    """The content of ``path``, written now with ``content`` if it does not exist yet.

    The file appears whole or not at all: the content is written to a temporary file beside it
    and synced, then hard-linked into place, which fails if another process got there first (then
    its content is read). Opening the final name with O_EXCL and writing after would leave a
    window in which a second process reads it empty, and a power cut could leave it empty for
    good; an empty key file is an unreadable record.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return path.read_text()
        _sync_folder(path.parent)
        return content
    finally:
        os.unlink(temporary)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_or_create_key_file(path: Path) -> list[str]:
    """One key per line, newest first. Created with a fresh key on first run (mode 0600).

    Back this file up apart from the database: without it the encrypted fields are unreadable.
    """
    text = path.read_text() if path.exists() else create_once(path, _new_key_line())
    keys = [line.strip() for line in text.splitlines() if line.strip()]
    if not keys:
        # Never silently start afresh: records written under the lost key would be unreadable
        # and new ones would go under another key. The operator restores the file.
        raise KeyFileError(f"The field key file {path} is empty: restore it from its backup.")
    return keys


class KeyFileError(RuntimeError):
    pass


def _new_key_line() -> str:
    return Fernet.generate_key().decode() + "\n"


def write_key_file(path: Path, keys: list[str]) -> None:
    temporary = path.with_suffix(".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(f"{key}\n" for key in keys))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
