"""The tracker data the handler owns: players, tournaments and results."""
