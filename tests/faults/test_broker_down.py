"""The broker (Redis) is down when a partner asks for a run on the page or through the API:
the answer says so (a 503 in the API, an error on the page), and the run is not left `queued`
for ever (a phantom run): it is recorded as ended `error`, with the same reason. The service
level is in tests/reviews/test_runs.py; this is what the person sees, in a fresh process whose
broker does not answer."""

import json

import pytest

from reviews import services
from reviews.models import VerificationRun
from tests.processes import run_with_broker_down
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REQUEST = """
import json
from django.test import Client
from django.test.utils import setup_test_environment
from accounts.models import User
setup_test_environment()  # the test client's host, locmem e-mail
client = Client()
client.force_login(User.objects.get(pk={owner}))
api = client.post(
    "/api/v1/integrations/{integration}/verifications/",
    {{"target": {target}}},
    content_type="application/json",
)
page = client.post("/targets/{target}/verify/", follow=True)
print(json.dumps({{"api_status": api.status_code, "api": api.json(),
    "page_status": page.status_code, "page": page.content.decode()}}))
"""


def test_a_run_requested_while_the_broker_is_down_says_so(bao, integration, owner):
    target = services.target_create(integration=integration, actor=owner, data=runtime_app(bao))
    result = run_with_broker_down(
        REQUEST.format(owner=owner.pk, integration=integration.pk, target=target.pk)
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["api_status"] == 503, answer["api"]
    assert answer["api"]["code"] == "queue_unavailable"
    assert answer["api"]["message"] == services.QUEUE_UNAVAILABLE
    assert answer["page_status"] == 200
    assert "The task queue is unavailable, so the run could not start." in answer["page"]
    assert 'class="alert alert-danger' in answer["page"]
    runs = VerificationRun.objects.filter(target=target)
    assert runs.count() == 2  # one per request, neither left queued
    assert set(runs.values_list("status", "reason", "started_at")) == {
        ("error", services.QUEUE_UNAVAILABLE, None)
    }
