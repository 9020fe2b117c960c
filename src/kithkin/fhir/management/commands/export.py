from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kithkin.accounts.models import User
from kithkin.audit.services import audit_record
from kithkin.core.access import Role


class Command(BaseCommand):
    help = (
        "The FHIR bulk $export permission. 'kithkin export grant --user NAME' lets a practice "
        "admin export the whole practice; 'revoke --user NAME' takes it back; 'list' shows who "
        "holds it."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        grant = sub.add_parser("grant", help="let an admin run $export")
        grant.add_argument("--user", required=True, help="the admin's username")
        revoke = sub.add_parser("revoke", help="stop an admin running $export")
        revoke.add_argument("--user", required=True)
        sub.add_parser("list", help="the admins holding the permission")

    def handle(self, *args, verb, **options):
        if verb == "list":
            holders = User.objects.filter(may_bulk_export=True).select_related("practice")
            for user in holders.order_by("practice__slug", "username"):
                practice = user.practice.slug if user.practice else "-"
                self.stdout.write(f"{user.username}\t{practice}\t{user.role}")
            return
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        if verb == "grant":
            _grant(user)
            self.stdout.write(f"{user.username} may now run $export of their practice.")
        else:
            _revoke(user)
            self.stdout.write(f"{user.username} may no longer run $export.")


@transaction.atomic
def _grant(user: User) -> None:
    if user.role != Role.ADMIN.value or user.practice_id is None:
        # The policy would refuse them anyway; a grant that does nothing only misleads.
        raise CommandError("Only a practice admin can hold the export permission.")
    if not user.is_active:
        raise CommandError("The account is deactivated.")
    if user.may_bulk_export:
        raise CommandError(f"{user.username} already holds the export permission.")
    _set(user, True, "granted")


@transaction.atomic
def _revoke(user: User) -> None:
    if not user.may_bulk_export:
        raise CommandError(f"{user.username} does not hold the export permission.")
    _set(user, False, "revoked")


def _set(user: User, value: bool, verb: str) -> None:
    User.objects.filter(pk=user.pk).update(may_bulk_export=value)
    if user.practice_id is None:
        return  # no practice, no chain (and no export either)
    audit_record(
        practice_id=user.practice_id,
        actor=None,
        action=f"fhir.export.permission.{'grant' if value else 'revoke'}",
        resource_type="User",
        resource_id=user.pk,
        reason=f"bulk export permission {verb} for {user.username} (kithkin export)",
    )
