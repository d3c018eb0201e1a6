from django.urls import path

from support_sla import views

urlpatterns = [
    path("support/", views.support_queue, name="support_queue"),
    path("support/issues/<int:pk>/", views.issue_detail, name="support_issue"),
    path("support/issues/<int:pk>/status/", views.issue_status, name="support_issue_status"),
    path("support/issues/<int:pk>/severity/", views.issue_severity, name="support_issue_severity"),
    path("support/issues/<int:pk>/comments/", views.issue_comment, name="support_issue_comment"),
    path("integrations/<int:pk>/support/new/", views.issue_new, name="support_issue_new"),
]
