"""What the local stack shows people: the terminal console."""
