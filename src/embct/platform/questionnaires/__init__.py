"""Questionnaires on the trial's schedule (embct.trial), scored by embct.instruments; the
therapist's early warnings and charts; neutral reminders."""
