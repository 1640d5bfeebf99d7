"""Signals of the survey domain.

`survey_closed` is sent with the survey as sender by `close_survey`, after the survey is marked
closed and BEFORE the transaction commits: a receiver may add rows (a results snapshot) with
flush only, and they commit together with the close, or not at all.
"""

from blinker import Namespace

_signals = Namespace()

survey_closed = _signals.signal("survey-closed")
