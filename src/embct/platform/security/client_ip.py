"""The client's address for login throttling (``AXES_CLIENT_IP_CALLABLE``): the same rule as
the audit log's, in :mod:`embct.platform.lib.client_ip`."""

from embct.platform.lib.client_ip import client_ip

__all__ = ["client_ip"]
