"""Probes for load balancers and orchestrators: ``/healthz`` (alive) and ``/readyz``
(able to serve and write)."""
