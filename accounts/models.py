from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """People sign in with their e-mail address; there is no username."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("e-mail address", unique=True)
    name = models.CharField(max_length=150, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    partner = models.ForeignKey(
        "integrations.Partner", on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "user"], name="membership_unique")
        ]
        ordering = ["partner__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.partner}"


class Invitation(models.Model):
    """An owner's invitation to join a partner; the e-mailed link carries a key we keep hashed."""

    partner = models.ForeignKey(
        "integrations.Partner", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(
        max_length=16, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    key_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.partner}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the key is stored; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class EmailState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not e-mailed (turned off)"
    FAILED = "failed", "Failed"
    HELD = "held", "Held for a digest"  # one like it was e-mailed a moment ago
    DIGESTED = "digested", "Sent in a digest"


class Notification(models.Model):
    """The outbox: one row per recipient per event, written in the transaction of the change
    that caused it, rendered then; a Celery task e-mails it after commit (once: see
    `accounts.notifications.notification_send`). Rows with a user also make the in-app list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    email = models.EmailField()  # where it is sent (invitations go to people without an account)
    event = models.CharField(max_length=64)  # the template under templates/emails/
    key = models.CharField(max_length=200)  # the event occurrence, e.g. "transition:42"
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField()
    link = models.CharField(max_length=500, blank=True)  # the object's path, for the in-app list
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=16, choices=EmailState.choices, default=EmailState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When beat may try (pending), or send the digest it waits for (held).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # The in-app list groups repeats (accounts.notifications.notify): one item per integration
    # and event within GROUP_WINDOW of the group's first. A group's rows share its
    # `group_started_at`; the newest is the item (no `grouped_into`), and each earlier item
    # points at the one that followed it. E-mail is per row, as ever.
    integration = models.ForeignKey(
        "integrations.Integration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    grouped_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    group_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["key", "email"], name="notification_once"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_idx"),
            models.Index(
                fields=["user"],
                name="notification_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="notification_pending_idx",
                condition=models.Q(email_state="pending"),
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="notification_held_idx",
                condition=models.Q(email_state="held"),
            ),
            models.Index(
                fields=["user", "integration", "event", "group_started_at"],
                name="notification_group_idx",
                condition=models.Q(grouped_into__isnull=True),
            ),
            models.Index(  # a group's earlier rows (Notification.repeats)
                fields=["user", "integration", "group_started_at"],
                name="notification_repeats_idx",
                condition=models.Q(grouped_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.email} ({self.email_state})"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def title(self) -> str:
        """The subject without the e-mail prefix."""
        return self.subject.removeprefix(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX)

    @property
    def group_key(self) -> tuple | None:
        """What the rows of one group share: (user, event, integration, group start); None for
        a row in no group."""
        if self.user_id is None or self.integration_id is None or self.group_started_at is None:
            return None
        return (self.user_id, self.event, self.integration_id, self.group_started_at)

    @property
    def repeats(self) -> models.QuerySet:
        """The earlier rows of this item's group (none for a row in no group)."""
        if self.group_key is None:
            return Notification.objects.none()
        user, event, integration, started = self.group_key
        return Notification.objects.filter(
            user=user,
            event=event,
            integration=integration,
            group_started_at=started,
            grouped_into__isnull=False,
        ).exclude(pk=self.pk)

    @cached_property
    def earlier(self) -> list["Notification"]:
        """`repeats` as the list shows them, newest first (accounts.selectors.with_repeats
        fills it for a whole page with one query)."""
        return list(self.repeats.order_by("-created_at", "-pk"))


class NotificationSettings(models.Model):
    """Which groups of notifications a user does not want by e-mail (all are on by default;
    the in-app list always gets them)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    email_off = models.JSONField(default=list, blank=True)  # group names, see notifications.py
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification settings of {self.user}"
