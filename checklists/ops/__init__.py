"""Running it in production: health and readiness answers, liveness marks of the worker and beat,
Prometheus metrics and structured logs (issue 22). Nothing here carries health data: statuses, times,
ages, counts and ids only."""
