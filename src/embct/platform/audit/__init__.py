"""The audit log: who read or changed what in a patient's record, when and from where.

Append-only for the application; the API is :func:`embct.platform.audit.services.record`.
"""
