"""Log lines in the seed's form (`event key=value ...`) on Python's `logging`
logger "complexity": the C library's lines through a callback logger, and the
binding's own (the classifier, which has no C logger) formatted the same way.
"""

import ctypes
import logging

from . import _lib

LOGGER = logging.getLogger("complexity")

# cx_log_level -> logging level
_PY_LEVEL = {
    _lib.CX_LOG_DEBUG: logging.DEBUG,
    _lib.CX_LOG_INFO: logging.INFO,
    _lib.CX_LOG_WARNING: logging.WARNING,
    _lib.CX_LOG_ERROR: logging.ERROR,
}


def c_level_for(logger):
    """The C logger's threshold for the Python logger's effective level.
    Lines below it are dropped in C, so an estimate does not call back into
    Python (and take the GIL) for an info line nobody will see."""
    level = logger.getEffectiveLevel()
    for c_level, py_level in _PY_LEVEL.items():
        if level <= py_level:
            return c_level
    return _lib.CX_LOG_OFF


def _quote(value):
    """A value as the C logger writes it: bare, or quoted when it is empty or
    holds a space, a quote, '=', a backslash or a control character."""
    value = "None" if value is None else str(value)
    if value and not any(c <= " " or c in '"=\\\x7f' for c in value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = "".join(c if c >= " " and c != "\x7f" else "\\x%02x" % ord(c) for c in escaped)
    return '"%s"' % escaped


def log_event(level, event, **fields):
    """Logs `event k1=v1 k2=v2` on the "complexity" logger (the seed's form)."""
    if LOGGER.isEnabledFor(level):
        parts = [event] + ["%s=%s" % (k, _quote(v)) for k, v in fields.items()]
        LOGGER.log(level, " ".join(parts))


def _strip_prefix(line):
    """`ts=... level=... event=E k=v` -> `E k=v`: Python's logging adds its
    own time and level."""
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[0].startswith("ts=") and parts[1].startswith("level="):
        rest = parts[2]
        return rest[len("event="):] if rest.startswith("event=") else rest
    return line


class LogBridge:
    """A C cx_logger whose lines go to the "complexity" logger.

    Owns the logger handle and the ctypes callback; both must outlive the
    estimator that borrows the logger, which the estimator's handle ensures by
    holding this object. `muted` drops lines (see ComplexityEstimator: the
    default config applied for a moment at open is not worth a warning).
    """

    def __init__(self):
        lib = _lib.library()
        self.muted = False
        self._callback = _lib.LOG_SINK(self._on_line)
        self._free = lib.cx_logger_free
        handle, err = ctypes.c_void_p(), _lib.CxError()
        _lib.check(lib.cx_logger_open_sink(self._callback, None, c_level_for(LOGGER), ctypes.byref(handle),
                                           ctypes.byref(err)), err)
        self.handle = handle

    def _on_line(self, _ctx, level, line):
        # Runs on whichever C thread logs; an exception must not escape into C.
        try:
            if not self.muted:
                LOGGER.log(_PY_LEVEL.get(level, logging.ERROR), _strip_prefix(line.decode("utf-8", "replace")))
        except Exception:  # noqa: BLE001 - logging must never break an estimate
            pass

    def close(self):
        if getattr(self, "handle", None):
            self._free(self.handle)
            self.handle = None

    __del__ = close
