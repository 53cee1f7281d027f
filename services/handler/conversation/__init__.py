"""The bot's conversations: explicit states, one module per flow, one dispatch table."""
