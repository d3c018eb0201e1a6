"""What the apps' APIs share about an integration's own lists."""

from django.db.models import Model, QuerySet
from rest_framework import generics

from integrations.models import Integration
from integrations.selectors import integration_for


class IntegrationRowsView(generics.ListAPIView):
    """A list under `/api/v1/integrations/<integration_pk>/…`: rows of one integration the
    caller may see (else 404). A subclass names its `model` (drf-spectacular builds the schema
    from an empty queryset of it); its rows are those of `model` that belong to the integration
    unless it says otherwise with `rows_of(integration)`. Its POST finds the integration with
    `self.integration()`, the same lookup."""

    model: type[Model]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular builds the schema
            return self.model.objects.none()
        return self.rows_of(self.integration())

    def integration(self) -> Integration:
        integration, _ = integration_for(user=self.request.user, pk=self.kwargs["integration_pk"])
        return integration

    def rows_of(self, integration: Integration) -> QuerySet:
        return self.model.objects.filter(integration=integration)
