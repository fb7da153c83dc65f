"""Errors a user can act on.

Anything raised as `PulseError` is printed by the command line as one sentence, with
no traceback: it describes a problem with input or environment, not a bug.
"""


class PulseError(Exception):
    """A problem the user can fix; the message says what is wrong and what to do."""
