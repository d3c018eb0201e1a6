from django.urls import path, register_converter

from badges import views


class PublicIdConverter:
    regex = r"[A-Za-z0-9_-]{8,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PublicIdConverter, "public_id")

# The public endpoints; config.urls puts them first, as the most requested URLs.
public_urlpatterns = [
    path("badges/<public_id:public_id>.svg", views.badge_svg, name="badge_svg"),
    path("badges/<public_id:public_id>.json", views.badge_json, name="badge_json"),
    path("badges/<public_id:public_id>/", views.badge_verify, name="badge_verify"),
]

urlpatterns = [
    path("integrations/<int:pk>/badges/issue/", views.badge_issue, name="badge_issue"),
    path("badges/<int:pk>/revoke/", views.badge_revoke, name="badge_revoke"),
]
