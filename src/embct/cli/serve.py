"""``embct serve``: apply migrations, then serve the platform with gunicorn."""

from __future__ import annotations

import argparse
import os


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="apply migrations and serve the platform (default http://127.0.0.1:8000)",
        description="Apply database migrations, then serve the web platform with gunicorn.",
    )
    add_server_arguments(parser)
    parser.set_defaults(func=run)


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8000, help="port (8000)")
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=int(os.environ.get("EMBCT_WORKERS", "2")),
        help="worker processes (2, or EMBCT_WORKERS)",
    )
    parser.add_argument("--threads", type=positive_int, default=4, help="threads per worker (4)")


def server_address(host: str, port: int) -> str:
    """``host:port`` as gunicorn binds it and a browser writes it (an IPv6 host in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0-65535)")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def prepare_database(verbosity: int = 1) -> None:
    """Create the data directory and apply migrations (idempotent)."""
    from django.conf import settings
    from django.core.management import call_command

    from embct.platform import setup

    setup()  # creates the data directory (0700)
    call_command("migrate", interactive=False, verbosity=verbosity)
    if "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]:
        call_command("collectstatic", interactive=False, verbosity=0)


def run(args: argparse.Namespace) -> int:
    prepare_database()
    serve_forever(args.host, args.port, workers=args.workers, threads=args.threads)
    return 0


def serve_forever(host: str, port: int, *, workers: int = 2, threads: int = 4) -> None:
    """Run gunicorn in this process until it is stopped."""
    from gunicorn.app.base import BaseApplication

    from embct.platform.wsgi import application

    options = {
        "bind": server_address(host, port),
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        "graceful_timeout": 10,
        "timeout": 60,
    }

    class EmbctServer(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> object:
            return application

    print(f"embct: serving on http://{options['bind']}/ (Ctrl+C stops)", flush=True)
    EmbctServer().run()
