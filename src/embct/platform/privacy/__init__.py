"""Patients' own data: download (right of access) and erasure after the retention period."""
