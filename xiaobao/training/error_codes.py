"""Refusals a user can cause in training and exams. Tests assert these codes, not the wording."""

NOT_ALLOWED = "training.not_allowed"  # the actor may not do this (403)
INVALID = "training.invalid"  # a field failed validation
NOT_ON_ROSTER = "training.not_on_roster"  # the signed-in person has no roster entry (403)
IMPORT_UNREADABLE = "training.import_unreadable"  # not a workbook, or a required column missing
IMPORT_EMPTY = "training.import_empty"
IMPORT_TOO_MANY = "training.import_too_many"
IMPORT_ROWS = "training.import_rows"  # some rows failed: nothing imported, see the row report
UNIT_OUT_OF_SCOPE = "training.unit_out_of_scope"  # an org unit the actor may not write in (403)
WRONG_STATUS = "training.wrong_status"  # the exam or session is not in the state this needs (409)
EXAM_NOT_OPEN = "training.exam_not_open"  # before the window opens or after it closes (409)
NOT_INVITED = "training.not_invited"  # the person is not in the exam's audience (403)
NO_ATTEMPTS_LEFT = "training.no_attempts_left"  # every allowed attempt is used (409)
ALREADY_PASSED = "training.already_passed"  # a passed exam is not sat again (409)
TIME_UP = "training.time_up"  # the server's clock says the attempt's time is over (409)
ATTEMPT_CLOSED = "training.attempt_closed"  # already submitted (409)
NOT_ENOUGH_QUESTIONS = "training.not_enough_questions"  # a rule asks for more questions than the bank has
BAD_CODE = "training.bad_code"  # a wrong or closed session check-in code
NOT_INVITED_SESSION = "training.not_invited_session"  # the person is not in the session's audience (403)
