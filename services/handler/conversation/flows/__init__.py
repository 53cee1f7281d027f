"""One module per command or flow."""
