from django.core.management.base import BaseCommand, CommandError

from reviews import program_vault
from reviews.services import credentials_rewrap


class Command(BaseCommand):
    help = (
        "After rotating the program Vault's Transit key `vip-credentials`, re-encrypt every "
        "stored credential under its newest version (nothing is decrypted here)."
    )

    def handle(self, *args, **options):
        try:
            count = credentials_rewrap()
        except program_vault.ProgramVaultUnavailable as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Rewrapped the credentials of {count} target{'s' if count != 1 else ''}."
        )
