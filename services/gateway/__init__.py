"""Gateway: receives Telegram webhooks and answers only once RabbitMQ holds the update."""
