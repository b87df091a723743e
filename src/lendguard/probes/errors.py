"""The one error a probe raises for unusable input: it names the file and the problem."""

from __future__ import annotations

from pathlib import Path


class ProbeError(Exception):
    """Input a probe cannot use. `str()` is the one line the CLI prints."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem
