"""Reads about verification and review: what the pipeline's guards ask, and who sees which
target or run (anything a partner may not see is a 404)."""

from django.db.models import QuerySet
from django.http import Http404

from integrations import selectors as integration_selectors
from reviews.models import (
    FINISHED_RUN_STATUSES,
    OPEN_RUN_STATUSES,
    FeedbackItem,
    ReviewRound,
    RunStatus,
    VerificationRun,
    VerificationTarget,
)


def targets_of(integration) -> QuerySet[VerificationTarget]:
    return VerificationTarget.objects.filter(integration=integration, archived_at__isnull=True)


def target_for(user, pk) -> VerificationTarget:
    """A live target of an integration `user` may see, else 404."""
    target = (
        VerificationTarget.objects.filter(
            pk=pk,
            archived_at__isnull=True,
            integration__in=integration_selectors.integrations_visible_to(user),
        )
        .select_related("integration__partner")
        .first()
    )
    if target is None:
        raise Http404("No such target.")
    return target


def runs_visible_to(user) -> QuerySet[VerificationRun]:
    return VerificationRun.objects.filter(
        integration__in=integration_selectors.integrations_visible_to(user)
    ).select_related("target", "integration__partner")


def run_for(user, pk) -> VerificationRun:
    run = runs_visible_to(user).filter(pk=pk).first()
    if run is None:
        raise Http404("No such verification run.")
    return run


def open_run_of(target) -> VerificationRun | None:
    return VerificationRun.objects.filter(target=target, status__in=OPEN_RUN_STATUSES).first()


# --- What the pipeline's guards read ---------------------------------------------------------


def integration_has_target_with_credentials(integration) -> bool:
    return targets_of(integration).exclude(credentials_ciphertext="").exists()


def integration_has_finished_run(integration) -> bool:
    return VerificationRun.objects.filter(
        integration=integration, status__in=FINISHED_RUN_STATUSES
    ).exists()


def integration_latest_run(integration) -> VerificationRun | None:
    """The newest run that was not cancelled (a cancelled run says nothing about the target)."""
    return (
        VerificationRun.objects.filter(integration=integration)
        .exclude(status=RunStatus.CANCELLED)
        .order_by("-queued_at", "-pk")
        .first()
    )


def integration_latest_round(integration) -> ReviewRound | None:
    return ReviewRound.objects.filter(integration=integration).order_by("-opened_at", "-pk").first()


def integration_open_blocking_feedback(integration) -> int:
    return FeedbackItem.objects.filter(
        round__integration=integration, blocking=True, resolved_at__isnull=True
    ).count()


def integration_open_feedback(integration) -> int:
    return FeedbackItem.objects.filter(
        round__integration=integration, resolved_at__isnull=True
    ).count()
