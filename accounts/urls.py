from django.urls import path

from accounts import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    # allauth's sign-up with the invited address filled in (found before allauth's own URL).
    path("signup/", views.SignupView.as_view(), name="account_signup"),
    path("notifications/", views.notification_settings, name="notification_settings"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("invitations/<str:key>/", views.invitation_accept, name="invitation_accept"),
]

# Mounted at the site root by config/urls.py.
notification_urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
]
