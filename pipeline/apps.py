from django.apps import AppConfig


class PipelineConfig(AppConfig):
    """The layer on top (DEVELOPERS.md, "Layers"): an integration's way through the stages,
    and the pages and API that show all of an integration at once. It reads every other app;
    none reads it."""

    name = "pipeline"
    verbose_name = "Pipeline"
