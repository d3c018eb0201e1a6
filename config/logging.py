"""Log filters that keep partner credentials out of log output."""

import logging
import re

_LOGIN_PATH = re.compile(r"(/auth/\S+?/login/)[^\s\"?/]+")


class RedactLoginPaths(logging.Filter):
    """urllib3 logs every request line at DEBUG, and a userpass login carries the username (a
    partner credential, stored encrypted) in its path: `/v1/auth/userpass/login/<username>`.
    This filter, on urllib3's logger, masks that segment whatever level is configured."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _LOGIN_PATH.sub(r"\1***", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _LOGIN_PATH.sub(r"\1***", record.msg)
        return True
