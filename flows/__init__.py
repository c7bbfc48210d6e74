"""Prefect entry points: thin flows that wire the `observatory` package's stages as tasks."""
