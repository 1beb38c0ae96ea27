"""Pages that belong to no one app: home, health check, login."""
