"""The inspection manifest (inspection.yaml): loaded with limits and validated key by key, so that
a mistake is one line naming the file and the key, never a traceback."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from lendguard.probes.errors import ProbeError

YAML_BYTES = 1 << 20  # a manifest or waiver file's largest size
TARGET_KINDS = ("apk", "policy", "traffic", "datastore", "collection", "org")


M = TypeVar("M", bound=BaseModel)


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
    # a path or URL, or {path, engine, master, conf}: checked by the engine, which knows the engines
    datastore: list[StrictStr | dict[StrictStr, Any]] = []
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
    inspector: StrictStr | None = Field(default=None, min_length=1, description="who inspects, shown on the cover")
    scope: StrictStr | None = Field(default=None, min_length=1, description="what the inspection covers, in words")
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


def _where(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def _message(error: ErrorDetails, model: type[BaseModel]) -> str:
    location = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        if len(location) == 1:
            return f"{_where(location)}: unknown key (expected one of {', '.join(model.model_fields)})"
        if model is Manifest and location[:1] == ("targets",) and len(location) == 2:
            return f"{_where(location)}: unknown key (expected one of {', '.join(TARGET_KINDS)})"
        return f"{_where(location)}: unknown key"
    if error["type"] == "missing":
        return f"{_where(location)}: required key missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{_where(location)}: {message}"


def load_validated(path: Path, model: type[M], what: str) -> M:
    """A YAML file validated by `model`, read with the bounded loader (no alias bombs, no deep
    nesting); ManifestError (one line: file, key, problem) otherwise."""
    from lendguard.probes.yamlsafe import YamlLimits, load_yaml  # PyYAML loads with the first such file

    try:
        document = load_yaml(path, YamlLimits(max_bytes=YAML_BYTES, dates_as_text=True))
    except ProbeError as error:
        raise ManifestError(f"{path}: not a usable {what}: {error.problem}") from error
    if not isinstance(document, dict):
        raise ManifestError(f"{path}: not a {what} (expected a mapping of {', '.join(model.model_fields)})")
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise ManifestError(f"{path}: {_message(error.errors()[0], model)}") from error


def load_manifest(path: Path) -> Manifest:
    """The validated manifest; ManifestError (one line: file, key, problem) otherwise."""
    return load_validated(path, Manifest, "inspection manifest")
