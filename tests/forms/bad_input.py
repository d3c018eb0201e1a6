"""What hypothesis throws at the forms: odd text (NUL bytes, control and astral characters),
huge values, empty values and wrong types, mixed with valid values so that some examples
pass the form and reach the services. And what must hold afterwards: a form error or a
redirect (a 400 or a 201 on the API), never a 5xx, and no row written when the answer is an
error."""

from contextlib import contextmanager

from django.db import transaction
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st

from accounts.models import Notification
from integrations.models import Integration, IntegrationOverlap, Partner, StageTransition
from reviews.models import VerificationTarget
from support_sla.models import IssueComment, SlaEvent, SupportIssue

# Bounded: each form's tests finish in seconds; the savepoint per example keeps them apart.
BOUNDED = settings(
    max_examples=50,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

OMIT = object()  # the field is not sent at all

ODD_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)  # NUL included
WITH_NUL = st.builds(lambda a, b: f"{a}\x00{b}", ODD_TEXT, ODD_TEXT)
HUGE = st.builds(
    lambda char, size: char * size,
    st.sampled_from(["x", "é", "\x00", "\U0001f600", " ", "\n"]),
    st.integers(min_value=1_000, max_value=30_000),
)
TEXT_JUNK = st.one_of(st.just(""), ODD_TEXT, WITH_NUL, HUGE)


POSTED_JUNK = st.one_of(TEXT_JUNK, st.lists(TEXT_JUNK, min_size=2, max_size=3), st.just(OMIT))
"""A form field's bad value: junk text, several values, or none at all."""

WRONG_JSON = st.one_of(
    TEXT_JUNK,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(ODD_TEXT, max_size=3),
    st.dictionaries(ODD_TEXT, ODD_TEXT, max_size=3),
)
JSON_JUNK = st.one_of(WRONG_JSON, st.just(OMIT))
"""An API field's bad value: junk of any JSON type, or none at all."""


def spoiled(valid: dict, junk: st.SearchStrategy, at_most: int = 4) -> st.SearchStrategy:
    """`valid` with up to `at_most` of its fields replaced by junk (or left out): each example
    spoils a few fields, so the rest of the body gets past them and reaches the services."""

    def spoil(names: list[str]) -> st.SearchStrategy:
        return st.fixed_dictionaries({name: junk for name in names}).map(
            lambda bad: {key: value for key, value in {**valid, **bad}.items() if value is not OMIT}
        )

    return st.lists(st.sampled_from(sorted(valid)), max_size=at_most, unique=True).flatmap(spoil)


WATCHED = (
    Partner,
    Integration,
    IntegrationOverlap,
    StageTransition,
    VerificationTarget,
    SupportIssue,
    IssueComment,
    SlaEvent,
    Notification,
)


def row_counts() -> dict:
    return {model.__name__: model.objects.count() for model in WATCHED}


@contextmanager
def rolled_back():
    """One example's database changes, undone afterwards (a savepoint in the test's
    transaction), so every example starts from the same rows."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def page_errors(response) -> list:
    """The errors a re-rendered page shows: its bound forms' and formsets', the view's own
    `*_error` values, and error messages."""
    contexts = response.context if isinstance(response.context, list) else [response.context]
    errors = []
    for context in contexts:
        for name, value in context.flatten().items():
            if name.endswith("_error") and isinstance(value, str):
                errors.append(value)  # an error the view renders itself (partner_error)
            elif getattr(value, "is_bound", False) and hasattr(value, "total_error_count"):
                if value.total_error_count():
                    errors.append([value.non_form_errors(), *value.errors])
            elif getattr(value, "is_bound", False) and hasattr(value, "errors"):
                errors.append(value.errors)
    errors += [str(m) for m in response.context.get("messages", []) if "error" in m.tags]
    return [error for error in errors if error]


def assert_page_answer(response, before: dict) -> None:
    """A redirect after a valid post; otherwise the page again with its errors, nothing
    written."""
    event(f"answered {response.status_code}")
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert page_errors(response), f"re-rendered without an error: {response.content[-3000:]!r}"
        assert row_counts() == before


def assert_api_answer(response, before: dict) -> None:
    """201 for a valid body; otherwise a 4xx in the error shape, nothing written."""
    event(f"answered {response.status_code}")
    assert response.status_code < 500, response.content[:2000]
    if response.status_code != 201:
        assert 400 <= response.status_code < 500
        assert "message" in response.json() or "errors" in response.json()
        assert row_counts() == before
