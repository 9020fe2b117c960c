"""Latency summaries: percentiles by linear interpolation between closest ranks."""

import math


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values_ms: list[float]) -> dict:
    """p50/p95/p99/mean/min/max in milliseconds, rounded for the report."""
    if not values_ms:
        return {"n": 0}
    return {
        "n": len(values_ms),
        "p50": round(percentile(values_ms, 50), 3),
        "p95": round(percentile(values_ms, 95), 3),
        "p99": round(percentile(values_ms, 99), 3),
        "mean": round(sum(values_ms) / len(values_ms), 3),
        "min": round(min(values_ms), 3),
        "max": round(max(values_ms), 3),
    }
