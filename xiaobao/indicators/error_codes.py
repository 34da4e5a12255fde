"""Refusals a user can cause in indicators. Tests assert these codes, not the wording."""

INVALID = "indicators.invalid"  # a field failed validation (a value that is not a number, a negative count…)
NOT_ALLOWED = "indicators.not_allowed"  # no permission, or a read-only role (403)
OUT_OF_SCOPE = "indicators.out_of_scope"  # the unit is outside the actor's scope (403)
NOT_COLLECTED = "indicators.not_collected"  # only collected indicators take entered values
INACTIVE = "indicators.inactive"  # the indicator is switched off
BAD_PERIOD = "indicators.bad_period"  # not "2024", "2024-Q1" or "2024-03", or finer than the indicator's frequency
FUTURE_PERIOD = "indicators.future_period"  # a value for a period that has not started
BAD_RATIO = "indicators.bad_ratio"  # numerator without denominator, a denominator of 0, or value ≠ num/den
FORMULA_SYNTAX = "indicators.formula_syntax"  # not an arithmetic expression over indicator codes
FORMULA_FORBIDDEN = "indicators.formula_forbidden"  # a call, attribute, subscript or other construct
FORMULA_UNKNOWN_CODE = "indicators.formula_unknown_code"  # the formula names a code that is not defined
FORMULA_DIMENSION = "indicators.formula_dimension"  # adding or subtracting figures of different units
FORMULA_CYCLE = "indicators.formula_cycle"  # the formula depends on itself
UNKNOWN_QUERY = "indicators.unknown_query"  # a computed indicator names no registered query
BAD_THRESHOLDS = "indicators.bad_thresholds"  # amber/red not ordered in the indicator's direction
IMPORT_ROWS = "indicators.import_rows"  # an import with row errors: nothing was written
IMPORT_FORMAT = "indicators.import_format"  # the workbook is not in the template's layout
