"""The integrations list's filters, one definition for the API list, the HTML list and its CSV
export: `stage`, `category`, `partner` (slug) and `search` (name, summary or partner name)."""

import django_filters

from integrations import selectors
from integrations.models import Category, Integration, Stage


class IntegrationFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    partner = django_filters.CharFilter(field_name="partner__slug", max_length=140)
    search = django_filters.CharFilter(method="filter_search", max_length=100)

    class Meta:
        model = Integration
        fields = ["stage", "category", "partner", "search"]

    def filter_search(self, queryset, name, value):
        return selectors.matching(integrations=queryset, text=value)
