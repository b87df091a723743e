"""The inspection manifest (inspection.yaml): loaded with limits and validated key by key, so that
a mistake is one line naming the file and the key, never a traceback."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

MAX_MANIFEST_BYTES = 1 << 20
TARGET_KINDS = ("apk", "policy", "traffic", "datastore", "collection", "org")


class ManifestError(ValueError):
    """The inspection manifest is unusable (one line, names the file)."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CollectionTarget(_Strict):
    log: StrictStr = Field(min_length=1)
    loans: StrictStr = Field(min_length=1)
    log_table: StrictStr | None = None
    loans_table: StrictStr | None = None
    map: dict[StrictStr, StrictStr] = {}


class Targets(_Strict):
    apk: list[StrictStr] = []
    policy: list[StrictStr] = []
    traffic: list[StrictStr] = []
    datastore: list[StrictStr] = []
    collection: list[CollectionTarget] = []
    org: list[StrictStr] = []

    @model_validator(mode="after")
    def _something(self) -> Targets:
        if not any(getattr(self, kind) for kind in TARGET_KINDS):
            raise ValueError(f"no target named (give at least one of {', '.join(TARGET_KINDS)})")
        for kind in TARGET_KINDS:
            for item in getattr(self, kind):
                if isinstance(item, str) and not item.strip():
                    raise ValueError(f"{kind}: an empty path")
        return self


class Manifest(_Strict):
    platform: StrictStr = Field(min_length=1)
    first_party: list[StrictStr] = []
    consent_at: datetime | None = None
    waivers: StrictStr | None = Field(default=None, description="waiver file, relative to the manifest")
    targets: Targets

    @field_validator("consent_at", mode="before")
    @classmethod
    def _midnight(cls, value: Any) -> Any:
        if isinstance(value, str) and len(value) == 10:
            value = date.fromisoformat(value) if value[4] == "-" else value
        return datetime.combine(value, time()) if isinstance(value, date) and not isinstance(value, datetime) else value


class _NoAliasLoader(yaml.SafeLoader):
    """A manifest needs no anchors or aliases; refusing them rules out alias bombs. Dates stay
    strings here so that an impossible one is reported with its key by validation."""

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML's own class-level table, filtered)
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed here", event.start_mark)
        return super().compose_node(parent, index)


def _where(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def _message(error: ErrorDetails) -> str:
    location = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        allowed = TARGET_KINDS if location[:1] == ("targets",) and len(location) == 2 else Manifest.model_fields
        return f"{_where(location)}: unknown key (expected one of {', '.join(allowed)})"
    if error["type"] == "missing":
        return f"{_where(location)}: required key missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{_where(location)}: {message}"


def load_manifest(path: Path) -> Manifest:
    """The validated manifest; ManifestError (one line: file, key, problem) otherwise."""
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ManifestError(f"{path}: larger than {MAX_MANIFEST_BYTES} bytes: not an inspection manifest")
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_NoAliasLoader)
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: not a readable inspection manifest ({type(error).__name__})") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise ManifestError(f"{path}: not valid YAML{where}: {problem}") from error
    except (ValueError, OverflowError) as error:
        raise ManifestError(f"{path}: {error}") from error
    if not isinstance(document, dict):
        raise ManifestError(f"{path}: an inspection manifest needs `platform` and a `targets` mapping")
    try:
        return Manifest.model_validate(document)
    except ValidationError as error:
        raise ManifestError(f"{path}: {_message(error.errors()[0])}") from error
