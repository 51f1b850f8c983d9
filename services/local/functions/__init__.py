"""Function processes: one sandbox each, supervised as Lambda does."""
