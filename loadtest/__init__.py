"""The load test: locust journeys per role (locustfile.py) and the runner (run.py)."""
