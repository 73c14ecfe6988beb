"""Looking things up by name for the labs: case-insensitive, and an unknown name lists what exists."""
from ..errors import TinygradEduError


class LabError(TinygradEduError, ValueError):
    """A lab was given a name or setting it does not know; the message lists the valid choices."""


def choose(kind, name, table):
    """table[name] matched case-insensitively (table keys are lower case); else LabError naming the choices."""
    key = str(name).lower()
    if key not in table:
        raise LabError(f"unknown {kind} {name!r}; choose one of: {', '.join(sorted(table))}")
    return table[key]
