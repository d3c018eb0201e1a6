"""The project's URLs plus one view that fails, for the 500 page's test."""

from django.urls import path

from config.urls import handler404, handler500
from config.urls import urlpatterns as project_urlpatterns


def fails(request):
    raise RuntimeError("a bug")


urlpatterns = [path("fails/", fails), path("api/v1/fails/", fails), *project_urlpatterns]
__all__ = ["handler404", "handler500", "urlpatterns"]
