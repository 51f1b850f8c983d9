"""`make chaos`: fault profiles against the local stack, and what must hold under each."""
