"""The exception raised for a scenario with problems, and its problems.

`flywheel.ScenarioError` carries every problem found at once, each naming
the file, the key path, the rule broken and (where the file gives it) the
line, exactly as the command line reports them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in a scenario."""

    file: str
    """The file as named (``<text>`` for a scenario given as text)."""
    path: str
    """Key path, e.g. ``platforms[1].subsidy[0].per_order``; empty for the file as a whole."""
    rule: str
    """The rule broken, in words."""
    line: int | None
    """1-based line in the file, where known."""
    origin: str | None = None
    """Where the value came from when not from the file (e.g. ``set market.consumers=0``)."""

    @property
    def key_path(self) -> str:
        """The key path (the same as `path`)."""
        return self.path

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        origin = f"({self.origin}) " if self.origin else ""
        what = f"{self.path}: {self.rule}" if self.path else self.rule
        return f"{where}: {origin}{what}"


class ScenarioError(ValueError):
    """A scenario that cannot be loaded: `problems` lists everything wrong with it."""

    def __init__(self, message: str, file: str, problems):
        super().__init__(message)
        self.file = file
        self.problems = [p if isinstance(p, Problem) else Problem(*p) for p in problems]
