from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.urls import notification_urlpatterns
from badges import urls as badge_urls
from config import views

urlpatterns = [
    *badge_urls.public_urlpatterns,
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    *notification_urlpatterns,
    path("accounts/", include("allauth.urls")),
    path("", include("pipeline.urls")),
    path("", include("reviews.urls")),
    path("", include("badges.urls")),
    path("", include("support_sla.urls")),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
