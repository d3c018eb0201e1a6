"""The API's request parsers (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]). Its own module:
rest_framework.views reads the setting while it is imported, and config.api imports that."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting cap. No body of ours nests deeper than a few levels; a
    deeply nested one made the parser (or the serializers after it) raise RecursionError, a
    500. Deeper than MAX_DEPTH is a 400 in the API's error shape."""

    MAX_DEPTH = 32

    def parse(self, stream, media_type=None, parser_context=None):
        message = f"The JSON body is nested more than {self.MAX_DEPTH} levels deep."
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(message) from error
        if nesting_exceeds(data, self.MAX_DEPTH):
            raise exceptions.ParseError(message)
        return data


def nesting_exceeds(value, limit: int) -> bool:
    """Whether `value` (parsed JSON) has lists or objects nested more than `limit` deep; no
    recursion, so it cannot overflow itself."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
