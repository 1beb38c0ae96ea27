"""Group MBCT: groups with a therapist, a location and session dates; attendance; the
members' access to handouts and home-practice audio."""
