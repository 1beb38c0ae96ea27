from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "embct.platform.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from .services import note_confirmed_device, stamp_login

        user_logged_in.connect(stamp_login, dispatch_uid="embct-security-stamp-login")
        for model in (TOTPDevice, StaticDevice):
            post_save.connect(
                note_confirmed_device, sender=model, dispatch_uid=f"embct-security-{model.__name__}"
            )
