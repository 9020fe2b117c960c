from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kithkin.accounts.models import User
from kithkin.api.models import ApiToken
from kithkin.api.services import DEFAULT_DAYS, MAX_DAYS, TokenError, token_create, token_revoke


class Command(BaseCommand):
    help = (
        "API tokens. 'kithkin token create --user NAME' prints a new token (its last line is the "
        "token alone, for scripts); 'list --user NAME'; 'revoke --id N'."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="make a token; it is shown once")
        create.add_argument("--user", required=True, help="the username the token acts as")
        create.add_argument("--name", default="", help="a label, such as the script's name")
        create.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help=f"lifetime, 1 to {MAX_DAYS} days"
        )
        listing = sub.add_parser("list", help="a user's tokens, without their secrets")
        listing.add_argument("--user", required=True)
        revoke = sub.add_parser("revoke", help="stop a token working at once")
        revoke.add_argument("--id", type=int, required=True)

    def handle(self, *args, verb, **options):
        if verb == "create":
            user = _user(options["user"])
            try:
                token, secret = token_create(
                    user=user, name=options["name"], days=options["days"], by=None
                )
            except TokenError as refused:
                raise CommandError(str(refused)) from refused
            self.stderr.write(
                f"Token {token.pk} ({token.prefix}) for {user.username}, expires "
                f"{token.expires_at:%Y-%m-%d %H:%M} UTC. It is shown once; store it now."
            )
            self.stdout.write(secret)
        elif verb == "list":
            user = _user(options["user"])
            now = timezone.now()
            for token in ApiToken.objects.filter(user=user).order_by("created_at", "pk"):
                used = token.last_used_at
                self.stdout.write(
                    f"{token.pk}\t{token.prefix}\t{token.name or '-'}\t{_state(token, now)}\t"
                    f"expires {token.expires_at:%Y-%m-%d}\t"
                    + (f"last used {used:%Y-%m-%d %H:%M}" if used else "never used")
                )
        else:
            token = ApiToken.objects.filter(pk=options["id"]).first()
            if token is None:
                raise CommandError(f"No token {options['id']}.")
            try:
                token_revoke(token=token, by=None)
            except TokenError as refused:
                raise CommandError(str(refused)) from refused
            self.stdout.write(f"Token {token.pk} ({token.prefix}) revoked.")


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user {username!r}.")
    return user


def _state(token: ApiToken, now) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    return "active"
