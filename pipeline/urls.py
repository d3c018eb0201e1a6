from django.urls import path

from pipeline import list_views, views

urlpatterns = [
    path("engage/", views.engage, name="engage"),
    path("engage/similar/", views.engage_similar, name="engage_similar"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("integrations/", list_views.integration_list, name="integration_list"),
    path("integrations/export.csv", list_views.integration_export, name="integration_export"),
    path("program/", list_views.program_metrics, name="program_metrics"),
    path("integrations/<int:pk>/", views.integration_detail, name="integration_detail"),
    path("integrations/<int:pk>/edit/", views.integration_edit, name="integration_edit"),
    path(
        "integrations/<int:pk>/transition/",
        views.integration_transition,
        name="integration_transition",
    ),
    path(
        "integrations/<int:pk>/transition/undo/",
        views.integration_undo,
        name="integration_undo",
    ),
    path("integrations/<int:pk>/records/", views.integration_records, name="integration_records"),
    path(
        "integrations/<int:pk>/overlaps/acknowledge/",
        views.integration_acknowledge_overlaps,
        name="integration_acknowledge_overlaps",
    ),
    path(
        "integrations/<int:pk>/overlaps/recheck/",
        views.integration_recheck_overlaps,
        name="integration_recheck_overlaps",
    ),
    path("partners/<slug:slug>/", views.partner_detail, name="partner_detail"),
    path("partners/<slug:slug>/calendar/", views.calendar_edit, name="partner_calendar"),
    # Under accounts/, where it always was (accounts holds invitations; the page is a partner's).
    path("accounts/partners/<slug:slug>/invite/", views.partner_invite, name="partner_invite"),
    path("directory/", views.directory, name="directory"),
    path("directory/<slug:slug>/", views.directory_partner, name="directory_partner"),
    path("review/board/", views.board, name="review_board"),
    path("review/rounds/<int:pk>/decide/", views.review_round_decide, name="review_round_decide"),
]
