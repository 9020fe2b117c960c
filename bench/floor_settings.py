"""bench/floor.py's settings: Kithkin's own, with the floor's rungs added to its URLs."""

from kithkin.settings import *  # noqa: F403 - the whole of Kithkin's settings, unchanged

ROOT_URLCONF = "floor_urls"
