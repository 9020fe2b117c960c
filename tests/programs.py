"""Kithkin as an installed program: a var/ folder and a SQLite file in a temporary folder, and
the child processes that use them. The children see only the environment given here, so nothing
of the developer's var/ or shell is touched."""

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# The console script installed beside the interpreter running the tests (.venv/bin/kithkin).
KITHKIN = Path(sys.executable).with_name("kithkin")


@dataclass(frozen=True)
class Installation:
    """A Kithkin installation in a temporary folder: its var/ folder and its SQLite file."""

    var_dir: Path
    database: Path

    def env(self, **extra: str) -> dict[str, str]:
        # The parent's KITHKIN_* (a PostgreSQL URL, KITHKIN_HUEY_IMMEDIATE from test_settings)
        # and DJANGO_SETTINGS_MODULE (the test settings) must not leak: the child runs as
        # installed, with the real settings.
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("KITHKIN_") and name != "DJANGO_SETTINGS_MODULE"
        }
        env["KITHKIN_DATABASE_URL"] = f"sqlite:///{self.database}"
        env["KITHKIN_VAR_DIR"] = str(self.var_dir)
        env.update(extra)
        return env

    def kithkin(self, *args: str, timeout: float = 60, **extra: str):
        return subprocess.run(
            [str(KITHKIN), *args],
            env=self.env(**extra),
            cwd=self.var_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def django(self, script: str, *args: str, timeout: float = 60, **extra: str):
        """Runs a Python script that calls django.setup() against this installation."""
        return subprocess.run(
            [sys.executable, "-c", script, *args],
            env=self.env(DJANGO_SETTINGS_MODULE="kithkin.settings", **extra),
            cwd=self.var_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def count(self, table: str) -> int:
        """Counts rows with the sqlite3 module, bypassing Django altogether."""
        with sqlite3.connect(self.database) as db:
            return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
