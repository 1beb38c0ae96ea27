"""The course: versioned sessions, exercises, audio and example diaries, loaded from files."""
