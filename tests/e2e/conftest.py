"""Browser journeys: Playwright drives Debian's Chromium against Django's live server.

- `browser`: one Chromium per test module.
- `browse(user=None, **options)`: a fresh browser context and page (1280x800 unless
  `viewport=` says otherwise) on the live server, signed in as `user` through a session cookie
  (`force_login`); several in one test give each person their own window.
- `page`: an anonymous page; `shoot("name")` saves it as
  `tests/e2e/screenshots/<journey>/<NN-name>.png`.
- The ORM runs beside Playwright's event loop (DJANGO_ALLOW_ASYNC_UNSAFE, set only while a
  module of this package runs), so tests set up data with services and factories while the
  browser clicks.
"""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import expect, sync_playwright

from integrations.models import Stage
from reviews import services as review_services
from scripts.check_services import CHROMIUM, chromium_missing
from tests.factories import IntegrationFactory
from tests.reviews.conftest import (  # noqa: F401 - the real OpenBao servers and program Vault
    bao,
    bao_tls,
    egress,
    enterprise,
    hcp,
    hcp_standin,
    namespace,
    program_bao,
    program_vault_settings,
)
from tests.vault import runtime_app

SCREENSHOTS = Path(__file__).parent / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
# Says where a Content Security Policy violation came from (Chromium's own console message
# does not): the directive, the script and position that caused it, the element concerned.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const element = event.target?.outerHTML?.slice(0, 120) ?? "";
  console.error(`Content Security Policy violation: ${event.effectiveDirective} by ` +
    `${event.sourceFile}:${event.lineNumber}:${event.columnNumber} ${element}`);
});
"""
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module", autouse=True)
def orm_beside_playwright():
    """Playwright's sync API keeps an asyncio loop running in this thread, which Django takes
    for async code; the ORM is safe here (nothing else runs in the thread). Only while this
    module runs, so the variable never reaches other tests or their subprocesses."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(orm_beside_playwright, django_db_setup):
    """One Chromium per test module: its event loop stops with the module, before other
    tests of the process run.

    While that loop runs, Django keeps its database connections per async context instead of
    per thread; without help this thread would open a second connection to the test database,
    one that lacks the serialized contents `serialized_rollback` restores (its flush would
    then re-create content types that later tests collide with). So the loop's context is
    given the thread's own connections."""
    if missing := chromium_missing(CHROMIUM):
        pytest.fail(missing)
    thread_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in thread_connections.items():
            connections[alias] = connection
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def browse(browser, live_server):
    """Open a new window (its own cookies) on the live server, signed in as `user` if given.
    Uncaught JavaScript errors and Content Security Policy violations (Chromium reports each
    on the console: "Refused to execute inline script…", "…violates the following Content
    Security Policy directive…") on any page fail the test."""
    contexts, errors = [], []

    def open_page(user=None, **options):
        options = {"viewport": VIEWPORT, **options}
        context = browser.new_context(base_url=live_server.url, **options)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
            )
        context.set_default_timeout(20_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                errors.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors or CSP violations: {errors}"


@pytest.fixture
def page(browse):
    return browse()


@pytest.fixture
def shoot(request):
    """`shoot(page, "name")`: a full-page screenshot, numbered in the order taken, in a folder
    per journey (the test module without `test_`)."""
    journey = re.sub(r"^test_", "", request.module.__name__.rsplit(".", 1)[-1])
    folder = SCREENSHOTS / journey
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken = []

    def screenshot(page, name: str) -> Path:
        taken.append(name)
        path = folder / f"{len(taken):02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return screenshot


@pytest.fixture
def released(partner, owner, bao, enterprise, namespace):  # noqa: F811 - imported above
    """A released integration whose evidence target's run passed on Vault Enterprise (real
    OpenBao behind the stand-in, tests.standin) in a namespace: the evidence a Vault
    Enterprise Verified badge needs. The run executes in this process (eager Celery)."""
    integration = IntegrationFactory(
        partner=partner, name="Acme Secrets Sync", stage=Stage.RELEASE, contact_email=owner.email
    )
    body = {**runtime_app(enterprise, namespace), "name": "Enterprise staging"}
    target = review_services.target_create(integration=integration, actor=owner, data=body)
    run = review_services.run_request(target=target, actor=owner)
    run.refresh_from_db()
    assert run.status == "passed", run.reason
    return integration
