from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import api_token_create
from config.errors import DomainError


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it once (it is stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="issued from the command line")
        parser.add_argument("--days", type=int, default=None, help="lifetime in days")

    def handle(self, *args, email: str, name: str, days: int | None, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {email}.")
        try:
            token, key = api_token_create(user=user, name=name, days=days)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"Token “{token.name}” for {user.email}, valid until {token.expires_at:%Y-%m-%d}. "
            "It is shown only now:"
        )
        self.stdout.write(key)
