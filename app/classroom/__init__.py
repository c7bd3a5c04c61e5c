"""Classes, join codes, pseudonymous pupils and the packs opened for a class."""
