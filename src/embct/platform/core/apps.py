from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "embct.platform.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from embct.platform.lib.private_files import private_sqlite_files

        connection_created.connect(private_sqlite_files, dispatch_uid="embct-private-sqlite")
