"""Ruche's benchmark harness (`make bench`, `python -m bench`). Not part of the test suite."""
