"""The load test: locust journeys per role (locustfile.py), the runner (run.py), the soak
(soak.py) and the PostgreSQL they can run on (postgres.py)."""


class LoadTestError(RuntimeError):
    """The load test cannot run; the message says why and what to do."""
