"""Tools for a running local stack: the `orders` CLI, the demo, the smoke test, scenarios."""
