"""Session service: owns ``bot_sessions`` and serves get / compare-and-set update over RabbitMQ."""
