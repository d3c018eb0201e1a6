from django.urls import path

from accounts import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("invitations/<str:key>/", views.invitation_accept, name="invitation_accept"),
    path("partners/<slug:slug>/invite/", views.partner_invite, name="partner_invite"),
]
