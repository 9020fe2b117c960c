import io

import pytest

from kithkin.backups import sealing
from kithkin.backups.sealing import SealError, read_passphrase, seal, unseal


@pytest.fixture(autouse=True)
def small_chunks_and_cheap_scrypt(monkeypatch):
    # Several chunks from a few hundred bytes, and a key derivation in milliseconds.
    monkeypatch.setattr(sealing, "CHUNK", 64)
    monkeypatch.setattr(sealing, "SCRYPT_N", 2**4)


def sealed(data: bytes, passphrase=b"river stone") -> bytes:
    out = io.BytesIO()
    seal(io.BytesIO(data), out, passphrase=passphrase)
    return out.getvalue()


def opened(data: bytes, passphrase=b"river stone") -> bytes:
    out = io.BytesIO()
    unseal(io.BytesIO(data), out, passphrase=passphrase)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, 63, 64, 128, 1000])
def test_it_round_trips_any_length_including_whole_chunks(size):
    data = bytes(range(256)) * 4
    data = data[:size]
    box = sealed(data)
    assert size < 16 or data not in box
    assert opened(box) == data


def test_a_wrong_passphrase_fails_at_the_first_chunk_and_writes_nothing():
    out = io.BytesIO()
    with pytest.raises(SealError, match="wrong passphrase"):
        unseal(io.BytesIO(sealed(b"x" * 500)), out, passphrase=b"guess")
    assert out.getvalue() == b""


def test_an_altered_later_chunk_is_refused():
    box = bytearray(sealed(b"x" * 500))
    box[-30] ^= 1
    with pytest.raises(SealError, match="does not authenticate"):
        opened(bytes(box))


def test_a_backup_cut_at_a_chunk_boundary_is_refused():
    box = sealed(b"x" * 500)
    header = len(sealing.MAGIC) + sealing.SALT_BYTES + sealing.PREFIX_BYTES
    # Keep the header and the first two full chunks: each would decrypt, but none is the last.
    with pytest.raises(SealError):
        opened(box[: header + 2 * (64 + 16)])


def test_swapped_chunks_are_refused():
    box = sealed(bytes(range(200)))
    header = len(sealing.MAGIC) + sealing.SALT_BYTES + sealing.PREFIX_BYTES
    size = 64 + 16
    first, second = box[header : header + size], box[header + size : header + 2 * size]
    swapped = box[:header] + second + first + box[header + 2 * size :]
    with pytest.raises(SealError):
        opened(swapped)


def test_a_plain_file_is_not_taken_for_an_encrypted_backup():
    with pytest.raises(SealError, match="not an encrypted Kithkin backup"):
        opened(b"SQLite format 3\x00" + b"\x00" * 100)


def test_the_passphrase_comes_from_a_file_before_the_environment(tmp_path):
    secret = tmp_path / "passphrase"
    secret.write_text("from the file\n")
    environ = {"KITHKIN_BACKUP_PASSPHRASE_FILE": str(secret), "KITHKIN_BACKUP_PASSPHRASE": "env"}
    assert read_passphrase(environ) == b"from the file"
    assert read_passphrase({"KITHKIN_BACKUP_PASSPHRASE": "env"}) == b"env"


@pytest.mark.parametrize("environ", [{}, {"KITHKIN_BACKUP_PASSPHRASE": ""}])
def test_no_passphrase_is_a_clear_error(environ):
    with pytest.raises(SealError, match="no backup passphrase"):
        read_passphrase(environ)


def test_an_unreadable_passphrase_file_is_a_clear_error(tmp_path):
    with pytest.raises(SealError, match="cannot read"):
        read_passphrase({"KITHKIN_BACKUP_PASSPHRASE_FILE": str(tmp_path / "missing")})
