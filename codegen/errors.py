"""Errors raised by the numeric side.

`codegen` does not import `derive`; `derive` re-raises these as its own
`DeriveError` subclasses at its API boundary.
"""


class CodegenError(ValueError):
    """A kernel could not be generated or called, or gradcheck got bad input."""
