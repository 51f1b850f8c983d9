"""`make bench`: cold start, AWS requests and cost per order, handler and pipeline throughput.

Run with `python -m services.local.bench` (see `--help`). Figures go to bench/results.json.
"""
