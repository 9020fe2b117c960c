"""Encrypting a backup file: AES-256-GCM in 1 MiB chunks, keyed by a passphrase through scrypt.

Chunks follow the STREAM construction (Hoang, Reyhanitabar, Rogaway and Vizár, 2015): each
chunk's nonce holds its counter and a last-chunk flag, and every chunk authenticates the header,
so a chunk cannot be altered, dropped, reordered or cut off the end without decryption failing.
Memory stays flat whatever the size of the database. The primitives are the maintained
``cryptography`` package's; only the framing is ours, because neither Fernet (whole message in
memory) nor AESGCM alone streams.

Layout: MAGIC, scrypt salt (16 bytes), nonce prefix (7 bytes), then chunks of at most
CHUNK + 16 bytes; the last chunk is shorter than CHUNK + 16 (possibly just its 16-byte tag).
"""

import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"KITHKIN-BACKUP-AESGCM-1\n"
CHUNK = 1024 * 1024
TAG = 16
SALT_BYTES = 16
PREFIX_BYTES = 7
# scrypt at n=2**15, r=8 costs 32 MiB and a few tenths of a second: once per backup, and a
# guessed passphrase costs an attacker the same.
SCRYPT_N = 2**15


class SealError(Exception):
    """The backup cannot be decrypted: wrong passphrase, or the file was altered or cut short."""


def derive_key(passphrase: bytes, salt: bytes) -> bytes:
    if not passphrase:
        raise SealError("the backup passphrase is empty")
    return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=8, p=1).derive(passphrase)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


def seal(source: BinaryIO, target: BinaryIO, *, passphrase: bytes) -> None:
    salt, prefix = os.urandom(SALT_BYTES), os.urandom(PREFIX_BYTES)
    header = MAGIC + salt + prefix
    aead = AESGCM(derive_key(passphrase, salt))
    target.write(header)
    counter = 0
    while True:
        # A full chunk is never the last one: a stream of whole chunks ends with an empty one,
        # so the reader knows the end by length alone.
        chunk = source.read(CHUNK)
        last = len(chunk) < CHUNK
        target.write(aead.encrypt(_nonce(prefix, counter, last), chunk, header))
        if last:
            return
        counter += 1
        if counter >= 2**32:
            raise SealError("backup too large for one sealed stream")


def unseal(source: BinaryIO, target: BinaryIO, *, passphrase: bytes) -> None:
    """Decrypts into ``target``; raises SealError at the first chunk that does not authenticate.

    The caller writes into a temporary file and discards it on error, so a wrong key writes
    nothing anywhere that matters.
    """
    header = source.read(len(MAGIC) + SALT_BYTES + PREFIX_BYTES)
    if not header.startswith(MAGIC) or len(header) != len(MAGIC) + SALT_BYTES + PREFIX_BYTES:
        raise SealError("this is not an encrypted Kithkin backup")
    salt = header[len(MAGIC) : len(MAGIC) + SALT_BYTES]
    prefix = header[len(MAGIC) + SALT_BYTES :]
    aead = AESGCM(derive_key(passphrase, salt))
    counter = 0
    while True:
        sealed = source.read(CHUNK + TAG)
        last = len(sealed) < CHUNK + TAG
        if last and len(sealed) < TAG:
            raise SealError("the encrypted backup is cut short")
        try:
            target.write(aead.decrypt(_nonce(prefix, counter, last), sealed, header))
        except InvalidTag:
            if counter == 0:
                raise SealError(
                    "the backup cannot be decrypted with this passphrase (wrong passphrase, "
                    "or the file was altered)"
                ) from None
            raise SealError(
                f"chunk {counter} of the encrypted backup does not authenticate: the file was "
                "altered or cut short"
            ) from None
        if last:
            return
        counter += 1


def is_sealed(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def read_passphrase(environ: dict, *, reader: Callable[[Path], bytes] | None = None) -> bytes:
    """The passphrase comes from KITHKIN_BACKUP_PASSPHRASE_FILE or KITHKIN_BACKUP_PASSPHRASE,
    never from the command line, where it would sit in the shell history and in ``ps``."""
    reader = reader or (lambda path: path.read_bytes())
    path = environ.get("KITHKIN_BACKUP_PASSPHRASE_FILE")
    if path:
        try:
            value = reader(Path(path)).strip()
        except OSError as error:
            raise SealError(f"cannot read KITHKIN_BACKUP_PASSPHRASE_FILE: {error}") from error
    else:
        value = environ.get("KITHKIN_BACKUP_PASSPHRASE", "").encode("utf-8")
    if not value:
        raise SealError(
            "no backup passphrase: set KITHKIN_BACKUP_PASSPHRASE_FILE (a file readable only by "
            "the service account) or KITHKIN_BACKUP_PASSPHRASE"
        )
    return value
