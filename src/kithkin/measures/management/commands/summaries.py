from django.core.management.base import BaseCommand, CommandError

from kithkin.measures.summaries import summaries_rebuild
from kithkin.practices.models import Practice


class Command(BaseCommand):
    help = (
        "Rebuild a practice's feedback summaries (the practice view's figures) from its sessions "
        "and responses: after an upgrade, or to check that the figures match the record."
    )

    def add_arguments(self, parser):
        parser.add_argument("--practice", required=True, help="the practice's slug")

    def handle(self, *args, practice, **options):
        found = Practice.objects.filter(slug=practice).first()
        if found is None:
            raise CommandError(f"There is no practice with the slug {practice!r}.")
        written = summaries_rebuild(found)
        self.stdout.write(f"Rebuilt {written} feedback summaries for {found.name}.")
