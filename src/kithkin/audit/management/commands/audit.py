from django.core.management.base import BaseCommand, CommandError

from kithkin.audit.selectors import practices_with_events, verify_practice


class Command(BaseCommand):
    help = "Audit trail tools. 'kithkin audit verify' checks every practice's hash chain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("verify", help="verify every chain; exit non-zero at the first broken event")

    def handle(self, *args, verb, **options):
        broken = 0
        for practice_id in practices_with_events():
            verdict = verify_practice(practice_id)
            if verdict.ok:
                self.stdout.write(f"practice {practice_id}: {verdict.checked} events, chain intact")
            else:
                broken += 1
                self.stderr.write(
                    f"practice {practice_id}: BROKEN at event id {verdict.first_bad_id}: "
                    f"{verdict.reason} ({verdict.checked} events verified before it)"
                )
        if broken:
            raise CommandError(f"{broken} audit chain(s) broken")
        self.stdout.write("All audit chains verified.")
