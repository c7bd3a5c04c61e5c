"""What a teacher sees of a class's work: progress per pupil, share correct per item."""
