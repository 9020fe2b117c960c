from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kithkin.accounts.access import actor_for
from kithkin.accounts.models import User
from kithkin.core.access import Action, PracticeScope, can
from kithkin.measures.library import MAX_DEFINITION_BYTES, LibraryError, instrument_load
from kithkin.measures.models import PracticeInstrument
from kithkin.practices.models import Practice


class Command(BaseCommand):
    help = (
        "A practice's licensed instruments. 'kithkin instruments load' checks a definition file "
        "and adds it to the practice (as the admin screen does); 'kithkin instruments list' "
        "shows what the practice loaded."
    )

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True)
        load = verbs.add_parser("load", help="load a definition file into a practice")
        load.add_argument("--practice", required=True, help="the practice's slug")
        load.add_argument(
            "--licence",
            required=True,
            help="the licence the practice holds: who granted it, its number, until when",
        )
        load.add_argument(
            "--user", required=True, help="the username of the practice admin loading it"
        )
        load.add_argument("file", help="the definition file (JSON)")
        listing = verbs.add_parser("list", help="list the instruments a practice loaded")
        listing.add_argument("--practice", required=True, help="the practice's slug")

    def handle(self, *args, verb, practice, **options):
        found = Practice.objects.filter(slug=practice).first()
        if found is None:
            raise CommandError(f"There is no practice with the slug {practice!r}.")
        if verb == "load":
            self._load(found, options["user"], options["file"], options["licence"])
        else:
            self._list(found)

    def _load(self, practice, username: str, path: str, licence: str) -> None:
        user = User.objects.filter(username=username, practice=practice).first()
        if user is None:
            raise CommandError(f"{practice.name} has no user called {username!r}.")
        # The same rule as the screen: the audit trail names a practice admin as the loader.
        decision = can(actor_for(user), Action.MANAGE_PRACTICE, PracticeScope(practice.pk))
        if not decision.allowed:
            raise CommandError(f"{username} cannot load instruments: {decision.reason}.")
        try:
            with open(path, "rb") as file:
                data = file.read(MAX_DEFINITION_BYTES + 1)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}.") from None
        try:
            row = instrument_load(practice=practice, text=data, licence=licence, by=user)
        except LibraryError as refused:
            raise CommandError(f"{Path(path).name}: {refused}") from None
        self.stdout.write(
            f"Loaded {row.title} ({row.code}, version {row.version}, sha256 {row.sha256}) "
            f"into {practice.name}."
        )

    def _list(self, practice) -> None:
        rows = (
            PracticeInstrument.objects.filter(practice=practice)
            .select_related("loaded_by", "retired_by")
            .defer("definition")
        )
        if not rows:
            self.stdout.write(f"{practice.name} has loaded no instruments.")
            return
        for row in rows:
            status = (
                f"retired {_on(row.retired_at)} by {row.retired_by.username}"
                if row.retired_at
                else "live"
            )
            self.stdout.write(
                f"{row.code}\t{row.version}\t{status}\tloaded {_on(row.loaded_at)} by "
                f"{row.loaded_by.username}\tsha256 {row.sha256[:12]}\t{row.title}"
            )


def _on(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
