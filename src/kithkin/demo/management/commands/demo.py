from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kithkin.demo.builder import ACCOUNTS, grow_practice, load_demo


class Command(BaseCommand):
    help = "Load the synthetic demo practice (refused in production mode)."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=0, help="grow the practice to N clients")
        parser.add_argument("--sessions", type=int, default=0, help="add M sessions across them")
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    def handle(self, *args, clients, sessions, quiet, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "The demo practice is synthetic data and is refused in production mode."
            )
        if clients < 0 or sessions < 0:
            raise CommandError("--clients and --sessions must be zero or more.")
        password = settings.KITHKIN_DEMO_PASSWORD
        practice, created = load_demo(password=password)
        self.stdout.write(
            f"{'Loaded' if created else 'Already loaded:'} the demo practice '{practice.name}'."
        )
        if clients:

            def progress(**kwargs):
                return tqdm(disable=quiet, leave=False, **kwargs)

            added_clients, added_sessions = grow_practice(
                practice, clients=clients, sessions=sessions, progress=progress
            )
            self.stdout.write(f"Added {added_clients} clients and {added_sessions} sessions.")
        self.stdout.write(f"\nDemo logins (password: {password}):")
        for account in ACCOUNTS:
            self.stdout.write(f"  {account.username:<8} {account.what}")
