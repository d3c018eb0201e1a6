from django.urls import path

from reviews import views

urlpatterns = [
    path("integrations/<int:pk>/targets/new/", views.target_new, name="target_new"),
    path(
        "integrations/<int:pk>/targets/test-connection/",
        views.target_test_connection,
        name="target_test_connection",
    ),
    path("targets/<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
    path("targets/<int:pk>/primary/", views.target_make_primary, name="target_make_primary"),
    path("targets/<int:pk>/verify/", views.run_start, name="run_start"),
    path("integrations/<int:pk>/runs/", views.integration_runs, name="integration_runs"),
    path("verifications/<int:pk>/", views.run_detail, name="run_detail"),
    path("verifications/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("verifications/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("evidence/<int:pk>/", views.evidence_detail, name="evidence_detail"),
    path("evidence/<int:pk>/accept/", views.evidence_accept, name="evidence_accept"),
    path("integrations/<int:pk>/waivers/", views.waiver_grant, name="waiver_grant"),
    path("waivers/<int:pk>/end/", views.waiver_end, name="waiver_end"),
    path("review/queue/", views.review_queue, name="review_queue"),
    path("review/queue/<int:pk>/assign/", views.review_assign, name="review_assign"),
    path("integrations/<int:pk>/reviews/", views.review_rounds, name="review_rounds"),
    path("integrations/<int:pk>/reviews/open/", views.review_round_open, name="review_round_open"),
    path("review/rounds/<int:pk>/feedback/", views.review_feedback_add, name="review_feedback_add"),
    path(
        "review/feedback/<int:pk>/reply/", views.review_feedback_reply, name="review_feedback_reply"
    ),
    path(
        "review/feedback/<int:pk>/resolve/",
        views.review_feedback_resolve,
        name="review_feedback_resolve",
    ),
]
