"""Domain errors: how a use case says no, without speaking HTTP.

Services raise these; one error handler (``register_errorhandlers`` in ``partnership``) turns
the ones a view lets through into the page with the matching status, and the command groups
(``partnership.cli.CommandGroup``) turn them into a clear message and exit status 1. So the
pages, the CLI and scheduled jobs share the same lookups.

- ``NotFound``: there is no such thing *for this caller*. Also what a user gets for a
  partnership they have no access to: whether it exists is never revealed (404).
- ``Forbidden``: the caller may see it but not do this (403), e.g. change an archived
  partnership.
- ``Refused``: the request is understood but breaks a rule; the message says which, fit to
  show the user (400; views usually catch it and show it next to the form).
- ``Conflict``: someone else changed the same thing a moment earlier; trying again may work
  (409).
"""

from __future__ import annotations


class DomainError(Exception):
    """A use case refused. ``str(error)`` is a message fit for the user."""

    #: The HTTP status the error handler answers with when a view does not catch it.
    status = 400
    #: The page title the error handler shows.
    title = "Not possible"

    def __init__(self, message: str = "", field: str | None = None) -> None:
        super().__init__(message)
        #: The form field the message belongs to, when there is one.
        self.field = field


class NotFound(DomainError):
    status = 404
    title = "Page not found"


class Forbidden(DomainError):
    status = 403
    title = "Not allowed"


class Refused(DomainError, ValueError):
    """Bad input or a broken rule; nothing was changed."""


class Conflict(Refused):
    status = 409
    title = "Changed in the meantime"
