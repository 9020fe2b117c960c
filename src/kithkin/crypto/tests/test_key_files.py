"""The installation's key files are made once, whole: two processes starting together get the
same key, and nobody ever reads an empty file (an empty field-key file is an unreadable record)."""

import threading

import pytest

from kithkin.crypto.keys import KeyFileError, create_once, load_or_create_key_file


def test_racing_creators_all_get_the_one_complete_key(tmp_path):
    path = tmp_path / "var" / "field_keys"
    seen, start = [], threading.Barrier(8)

    def create(n):
        start.wait()
        seen.append(create_once(path, f"key-{n}\n"))

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and seen[0].startswith("key-")
    assert path.read_text() == seen[0]
    assert path.stat().st_mode & 0o777 == 0o600
    # No temporary file is left beside it.
    assert [p.name for p in path.parent.iterdir()] == ["field_keys"]


def test_an_existing_key_file_is_read_not_replaced(tmp_path):
    path = tmp_path / "field_keys"
    first = load_or_create_key_file(path)
    assert len(first) == 1
    assert load_or_create_key_file(path) == first


def test_an_empty_key_file_is_refused_never_replaced(tmp_path):
    path = tmp_path / "field_keys"
    path.write_text("\n")
    with pytest.raises(KeyFileError, match="is empty: restore it from its backup"):
        load_or_create_key_file(path)
    assert path.read_text() == "\n"
