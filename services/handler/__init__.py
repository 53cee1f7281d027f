"""Handler service: stateless replicas that run the bot's conversations."""
