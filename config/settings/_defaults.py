import os


def set_defaults(**values: str) -> None:
    """Give environment variables a default for this settings module; the environment wins."""
    for name, value in values.items():
        os.environ.setdefault(name, value)
