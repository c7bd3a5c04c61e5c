"""Schools, teacher and admin accounts, sign-in sessions."""
