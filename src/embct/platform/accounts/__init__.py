"""Accounts: one user model for everyone, with the role an explicit field."""
