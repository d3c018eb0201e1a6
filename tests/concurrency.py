"""Racing one action from several threads, as two web requests or workers would."""

import threading

from django.db import connection


def at_once(*actions, timeout: float = 60) -> list:
    """Run each action in its own thread, all released at the same moment, and return what
    each returned or the exception it raised, in the actions' order. Each thread has its own
    database connection (closed at its end), so the race goes through PostgreSQL's locks; the
    test needs `django_db(transaction=True)` for the threads to see its rows."""
    start = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index: int, action) -> None:
        try:
            start.wait()
            outcomes[index] = action()
        except Exception as error:  # the caller asserts on it
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), f"a racing action did not finish within {timeout} s"
    return outcomes
