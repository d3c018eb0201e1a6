"""Badges follow what the apps below announce (connected in BadgesConfig.ready). Each
receiver calls one service of badges.services, where the rule is."""

from django.dispatch import receiver

from badges.services import badges_refresh, evidence_run_finished
from reviews.signals import evidence_target_archived, run_finished
from support_sla.signals import standing_changed


@receiver(run_finished, dispatch_uid="badges.run_finished")
def on_run_finished(sender, *, run, **kwargs) -> None:
    evidence_run_finished(run=run)


@receiver(evidence_target_archived, dispatch_uid="badges.evidence_target_archived")
def on_evidence_target_archived(sender, *, integration, **kwargs) -> None:
    badges_refresh(integration=integration)  # `evidence_archived` suspends them at once


@receiver(standing_changed, dispatch_uid="badges.standing_changed")
def on_standing_changed(sender, *, integration, standing, **kwargs) -> None:
    badges_refresh(integration=integration)  # failing suspends; good lets them back
