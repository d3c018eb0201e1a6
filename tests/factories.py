from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Membership, User
from integrations.models import Integration, Partner, Stage
from reviews.models import (
    FeedbackItem,
    FeedbackReply,
    ReviewRound,
    VerificationRun,
    VerificationTarget,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        self.save()


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    website = "https://partner.example"
    support_url = "https://partner.example/support"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    partner = factory.SubFactory(PartnerFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.OWNER


class IntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Integration

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Widget Connector {n}")
    category = "runtime"
    summary = "Reads secrets from Vault."
    description = "Reads KV secrets from Vault with AppRole and renews its tokens."
    vault_editions = factory.LazyFunction(lambda: ["vault_enterprise", "hcp_vault"])
    auth_methods = factory.LazyFunction(lambda: ["approle", "token"])
    namespace_support = True
    repository_url = "https://github.com/partner/widget"
    docs_url = "https://partner.example/docs"
    contact_email = "dev@partner.example"
    stage = Stage.ENGAGE
    stage_changed_at = factory.LazyFunction(timezone.now)


class VerificationTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VerificationTarget

    integration = factory.SubFactory(IntegrationFactory)
    name = "test cluster"
    kind = "hcp_vault"
    url = "https://vault.partner.example:8200"
    namespace = "admin"
    credentials_ciphertext = "vault:v1:ciphertext"
    # The first live target of an integration is its evidence target, as target_create makes it.
    primary = factory.LazyAttribute(
        lambda o: (
            not VerificationTarget.objects.filter(
                integration=o.integration, primary=True, archived_at__isnull=True
            ).exists()
        )
    )


class VerificationRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VerificationRun

    target = factory.SubFactory(VerificationTargetFactory)
    integration = factory.SelfAttribute("target.integration")
    status = "passed"
    finished_at = factory.LazyFunction(timezone.now)
    started_at = factory.LazyAttribute(
        lambda o: o.finished_at - timedelta(seconds=1) if o.finished_at else None
    )


class ReviewRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewRound

    integration = factory.SubFactory(IntegrationFactory)
    status = ReviewRound.Status.OPEN


class FeedbackItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackItem

    round = factory.SubFactory(ReviewRoundFactory)
    body = "Document the namespace setting."
    blocking = True


class FeedbackReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackReply

    item = factory.SubFactory(FeedbackItemFactory)
    body = "Done: the README documents it now."
