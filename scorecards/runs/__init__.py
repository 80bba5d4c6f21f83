"""Runs: plan a run, score its batches, record its progress (embedded, API and workers alike)."""
