"""The one exception of the binding, carrying the C library's status."""

# cx_status (include/complexity/common.h)
CX_OK = 0
CX_ERR_IO = -1
CX_ERR_FORMAT = -2
CX_ERR_INVALID = -3
CX_ERR_NOMEM = -4
CX_ERR_UNSUPPORTED = -5
CX_ERR_NOT_FOUND = -6
CX_ERR_INTERNAL = -7


class ComplexityError(Exception):
    """A failure reported by libcomplexity (or by the binding on its behalf).

    `code` is the C cx_status (a negative CX_ERR_* value; a host treats an
    unknown negative code as a failure too) and `message` the cx_error text,
    which names the file, line or field at fault.
    """

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self):
        return "ComplexityError(%d, %r)" % (self.code, self.message)
