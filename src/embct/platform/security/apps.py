from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "embct.platform.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .services import stamp_login

        user_logged_in.connect(stamp_login, dispatch_uid="embct-security-stamp-login")
