"""Staff second factor (TOTP with backup codes, django-otp), password re-entry before
sensitive actions, the login lockout page (django-axes) and the client address behind a proxy."""
