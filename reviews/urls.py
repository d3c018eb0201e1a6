from django.urls import path

from reviews import views

urlpatterns = [
    path("review/board/", views.board, name="review_board"),
    path("integrations/<int:pk>/targets/new/", views.target_new, name="target_new"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
    path("targets/<int:pk>/verify/", views.run_start, name="run_start"),
    path("verifications/<int:pk>/", views.run_detail, name="run_detail"),
    path("verifications/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("verifications/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
]
