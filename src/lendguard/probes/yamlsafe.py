"""Bounded YAML for user input: no alias bombs, no deep nesting, no huge documents.

`yaml.safe_load` is safe against code execution but not against resource exhaustion: 400 bytes of
nested aliases expand to gigabytes, a flow sequence 20,000 deep overflows the recursion limit, and an
impossible date raises a bare ValueError. `load_yaml` refuses all of these with a ProbeError (one line
naming the file, the line and the problem).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lendguard.probes.errors import ProbeError


@dataclass(frozen=True)
class YamlLimits:
    max_bytes: int = 2 << 20  # the file itself
    max_depth: int = 64  # nested sequences/mappings
    max_aliases: int = 100  # `*name` references in one document
    max_scalar: int = 1 << 20  # characters in one string
    max_expanded: int = 4 << 20  # characters + nodes after expanding every alias
    dates_as_text: bool = False  # keep dates as strings, for validation that names the key


LIMITS = YamlLimits()


class _LimitExceeded(yaml.YAMLError):
    def __init__(self, problem: str, node_or_event: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.mark = getattr(node_or_event, "start_mark", None)


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer counts depth and aliases before anything is built."""

    def __init__(self, text: str, limits: YamlLimits) -> None:
        super().__init__(text)
        self.limits = limits
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        limits = self.limits
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > limits.max_aliases:
                raise _LimitExceeded(f"more than {limits.max_aliases} aliases", self._next())
        self.depth += 1
        if self.depth > limits.max_depth:
            raise _LimitExceeded(f"nested deeper than {limits.max_depth} levels", self._next())
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if isinstance(node, ScalarNode) and len(node.value) > limits.max_scalar:
            raise _LimitExceeded(f"a string longer than {limits.max_scalar:,} characters", node)
        return node

    def _next(self) -> Any:
        return self.peek_event()  # type: ignore[no-untyped-call]

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        if self.limits.dates_as_text:
            return node.value
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise _LimitExceeded(f"impossible date {node.value!r} ({error})", node) from error

    def construct_yaml_int(self, node: ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError as error:
            raise _LimitExceeded(f"unusable number ({error})", node) from error


_BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", _BoundedLoader.construct_yaml_timestamp)
_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)


def _check_expansion(root: Node, limits: YamlLimits) -> None:
    """Walk the node graph as the built object would be, aliases expanded; stop at the bound."""
    budget = limits.max_expanded
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        budget -= 1
        if isinstance(node, ScalarNode):
            budget -= len(node.value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        if budget < 0:
            raise _LimitExceeded(f"aliases expand beyond {limits.max_expanded:,} characters", root)


def loads_yaml(text: str, source: str | Path, limits: YamlLimits = LIMITS) -> Any:
    """One YAML document from `text`; ProbeError naming `source` when it breaks a limit or is not YAML."""
    if len(text) > limits.max_bytes:
        raise ProbeError(source, f"YAML document larger than {limits.max_bytes:,} bytes")
    try:
        loader = _BoundedLoader(text, limits)  # the reader refuses control characters here already
    except yaml.reader.ReaderError as error:
        character = error.character if isinstance(error.character, int) else 0
        problem = f"unacceptable character #x{character:04x} at position {error.position}"
        raise ProbeError(source, f"not valid YAML: {problem}") from error
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if loader.aliases:
            _check_expansion(node, limits)
        return loader.construct_document(node)
    except _LimitExceeded as error:
        where = f"line {error.mark.line + 1}: " if error.mark is not None else ""
        raise ProbeError(source, f"unsafe or unusable YAML: {where}{error.problem}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise ProbeError(source, f"not valid YAML: {where}{problem}") from error
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        raise ProbeError(source, f"not usable YAML ({type(error).__name__})") from error
    finally:
        loader.dispose()


def load_yaml(path: Path, limits: YamlLimits = LIMITS) -> Any:
    """One YAML document from a UTF-8 file, bounded as `loads_yaml`; ProbeError on any problem."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except OSError as error:
        raise ProbeError(path, f"cannot read ({error.strerror or type(error).__name__})") from error
    if len(data) > limits.max_bytes:
        raise ProbeError(path, f"YAML document larger than {limits.max_bytes:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProbeError(path, f"not UTF-8 text (byte {error.start})") from error
    return loads_yaml(text, path, limits)
