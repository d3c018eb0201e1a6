"""Reads about verification and review that other parts (the pipeline's guards) depend on."""

from reviews.models import (
    FINISHED_RUN_STATUSES,
    FeedbackItem,
    ReviewRound,
    RunStatus,
    VerificationRun,
    VerificationTarget,
)


def integration_has_target_with_credentials(integration) -> bool:
    return (
        VerificationTarget.objects.filter(integration=integration)
        .exclude(credentials_ciphertext="")
        .exists()
    )


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
