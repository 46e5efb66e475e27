"""The management port of a service with several workers: every worker's series, told apart by a ``worker`` label."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from leadline.contracts.platform.metrics import by_worker


def _exposition(published: int, request_seconds: float) -> str:
    registry = CollectorRegistry()
    Counter("leadline_events_published", "Published.", ["service"], registry=registry).labels("leads").inc(published)
    Histogram("leadline_http_seconds", "Requests.", ["route"], registry=registry).labels("/leads").observe(
        request_seconds
    )
    return generate_latest(registry).decode()


def test_each_workers_series_keep_their_values_under_its_label_and_a_silent_worker_is_marked_down() -> None:
    merged = by_worker({"0": _exposition(3, 0.01), "1": _exposition(5, 2.0), "2": None})

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(merged.decode())
        for sample in family.samples
    }
    assert samples[("leadline_events_published_total", (("service", "leads"), ("worker", "0")))] == 3
    assert samples[("leadline_events_published_total", (("service", "leads"), ("worker", "1")))] == 5
    assert samples[("leadline_http_seconds_sum", (("route", "/leads"), ("worker", "1")))] == 2.0
    assert [samples[("leadline_worker_up", (("worker", w),))] for w in "012"] == [1, 1, 0]
    assert all(dict(labels).get("worker") in {"0", "1", "2"} for _, labels in samples), "no series unlabelled"
