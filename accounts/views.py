"""HTML pages for one's own account: profile, API tokens, invitations, notifications."""

from urllib.parse import urlparse

from allauth.account import views as allauth_views
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import (
    ApiTokenForm,
    NotificationFilterForm,
    NotificationSettingsForm,
)
from accounts.notifications import emails_off
from config.confirm import Confirmation, confirmation_page
from config.errors import DomainError
from config.forms import posted
from config.http import safe_next, show_domain_error


@never_cache  # the page may show a new key once: never keep it in a cache
@login_required
def profile(request):
    """The account page: memberships and personal API tokens (created and revoked here).
    Creating tokens is rate-limited per user (ACCOUNT_RATE_LIMITS["create_api_token"]): a
    hijacked session cannot mint keys in bulk."""
    form = ApiTokenForm(posted(request))
    new_key = None
    if request.method == "POST" and form.is_valid():
        if refused := ratelimit.consume_or_429(
            request, action="create_api_token", user=request.user
        ):
            return refused
        try:
            token, new_key = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except DomainError as error:
            show_domain_error(request, error)
        else:
            messages.success(request, f"Token “{token.name}” created. Copy it now.")
            form = ApiTokenForm()
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": request.user.api_tokens.all(),
            "memberships": request.user.memberships.select_related("partner"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk: int):
    """GET asks first (config/confirm.py); POST revokes."""
    token, _ = selectors.api_token_for(user=request.user, pk=pk)
    if request.method == "GET":
        return confirmation_page(
            request,
            Confirmation(
                title=f"Revoke the API token “{token.name}”?",
                sentence=(
                    f"The token “{token.name}” stops working at once: every script that uses "
                    "it gets 401. A revoked token cannot be used again; create a new one."
                ),
                action=reverse("token_revoke", args=[pk]),
                button="Revoke the token",
                back=reverse("profile"),
                blocked=[] if token.is_active else ["This token no longer works."],
            ),
        )
    services.api_token_revoke(token=token, user=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("profile")


def invitation_accept(request, key: str):
    """The link in an invitation e-mail: sign in (or sign up), then join the partner."""
    invitation = services.invitation_for_key(key)
    if invitation is None:
        return render(request, "accounts/invitation.html", {"invitation": None}, status=404)
    if not request.user.is_authenticated:
        messages.info(
            request,
            f"Sign in or sign up as {invitation.email} to join {invitation.partner.name}.",
        )
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        try:
            membership = services.invitation_accept(key=key, user=request.user)
        except DomainError as error:
            show_domain_error(request, error)
        else:
            messages.success(request, f"You joined {membership.partner.name}.")
            return redirect("dashboard")
    refusal = None
    if not selectors.has_verified_address(user=request.user, email=invitation.email):
        refusal = services.invitation_address_error(invitation=invitation, user=request.user)
    return render(
        request, "accounts/invitation.html", {"invitation": invitation, "refusal": refusal}
    )


class SignupView(allauth_views.SignupView):
    """allauth's sign-up, with the invited address filled in for someone who comes from an
    invitation link (its `next`, which the sign-in page passes on): the address the invitation
    names, read from the invitation, not from the query string. Only filled in: holding the
    link proves nothing (links get forwarded), so the account still has to verify the address
    before it can join (accounts.services.invitation_accept), and any other address may be
    typed instead."""

    def _invitation(self):
        return _pending_invitation_in(
            self.request.POST.get("next") or self.request.GET.get("next") or ""
        )

    def get_initial(self) -> dict:
        initial = super().get_initial()
        if invitation := self._invitation():
            initial["email"] = invitation.email
        return initial

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if invitation := self._invitation():
            form.fields["email"].help_text = (
                f"The address {invitation.partner.name} invited. To join, sign up with it "
                "and confirm it from the e-mail we send you."
            )
        return form


def _pending_invitation_in(next_url: str):
    """The pending invitation whose link `next_url` is, if any."""
    try:
        match = resolve(urlparse(next_url).path)
    except Resolver404:
        return None
    if match.url_name != "invitation_accept":
        return None
    invitation = services.invitation_for_key(match.kwargs["key"])
    return invitation if invitation is not None and invitation.is_pending else None


# --- Notifications -------------------------------------------------------------------------

NOTIFICATIONS_PER_PAGE = 20


def _filters(request) -> NotificationFilterForm:
    """The list's filters from the query string (htmx posts keep it in their URL)."""
    return NotificationFilterForm(
        request.GET, integrations=selectors.notification_integrations(user=request.user)
    )


def _page(request, number, filters: NotificationFilterForm):
    notifications = selectors.notifications_for(
        user=request.user,
        kind=filters.value("kind") or "",
        integration_id=filters.value("integration"),
    )
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(number)
    page.object_list = selectors.with_repeats(list(page.object_list))
    return page


@login_required
def notification_list(request):
    """The in-app list: the user's own notifications, newest first, unread marked "New";
    repeats of one event about one integration within an hour are one item (the newest, with
    the others listed under it); filters by kind and integration stay in the URL."""
    filters = _filters(request)
    page = _page(request, request.GET.get("page"), filters)
    return render(request, "accounts/notifications.html", {"page": page, "filters": filters})


@login_required
def notification_open(request, pk: int):
    """An item's link: mark it read and go to what it is about."""
    notification, _ = selectors.notification_for(user=request.user, pk=pk)
    services.notifications_mark_read(user=request.user, notification=notification)
    return redirect(notification.link or "notification_list")


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one read: htmx swaps the item (and the navbar bell); without JS, back to the list."""
    notification, _ = selectors.notification_for(user=request.user, pk=pk)
    services.notifications_mark_read(user=request.user, notification=notification)
    if request.htmx:
        notification.refresh_from_db(fields=["read_at"])
        return render(
            request, "accounts/_notification_item.html", {"item": notification, "oob": True}
        )
    return redirect(safe_next(request, reverse("notification_list")))


@login_required
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_read(user=request.user)
    if request.htmx:  # the list region of the page the user is on, and the bell
        filters = _filters(request)
        page = _page(request, request.POST.get("page"), filters)
        return render(
            request,
            "accounts/_notification_region.html",
            {"page": page, "filters": filters, "oob": True},
        )
    messages.success(request, f"{count} notification{pluralize(count)} marked read.")
    return redirect(safe_next(request, reverse("notification_list")))


@login_required
def notification_settings(request):
    """Which groups of notifications also come by e-mail (the in-app list gets them all)."""
    form = NotificationSettingsForm(posted(request), email_off=emails_off(request.user))
    if request.method == "POST" and form.is_valid():
        services.notification_settings_update(user=request.user, email_off=form.email_off())
        messages.success(request, "Notification settings saved.")
        return redirect("notification_settings")
    return render(request, "accounts/notification_settings.html", {"form": form})
