"""``pokertracker-admin``: the operators' command line (dead letters, webhook, sessions)."""
