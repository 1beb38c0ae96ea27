"""Care: patient profiles, diaries (log files), sending them, the secure inbox, feedback,
the therapist's caseload and queue, and supervision."""
