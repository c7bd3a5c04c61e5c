"""A pupil playing a pack: items, answers, feedback, summary."""
