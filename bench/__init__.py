"""Benchmarks (not tests): BACI-scale data and the figures of each step."""
