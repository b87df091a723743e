"""The registry's own evidence in a bundle's audit: the breach notices a platform filed with the
registry are merged into the governance records (`org` targets) the bundle brings, so a notice filed
late counts for ORG-BREACH-LATE / ORG-INCIDENT-4H in the inspection the worker runs. The bundle's
files are left as they are: the merged records and a manifest naming them are written beside them
(`*.registry.yaml`), audited, fingerprinted and kept with the job as the inspection's evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lendguard.registry.bundles import BundleError

MAX_RECORD_BYTES = 1 << 20
SUFFIX = ".registry.yaml"


class _NoAliases(yaml.SafeLoader):
    """YAML without anchors/aliases: a record merged and written back cannot balloon (billion laughs)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not allowed in a governance record")
        return super().compose_node(parent, index)


def _load(path: Path, what: str) -> dict[str, Any]:
    if path.stat().st_size > MAX_RECORD_BYTES:
        raise BundleError(f"{path.name}: {what} larger than {MAX_RECORD_BYTES >> 20} MiB")
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_NoAliases)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise BundleError(f"{path.name}: not a readable {what}: {str(error).splitlines()[0]}") from error
    if not isinstance(document, dict):
        raise BundleError(f"{path.name}: not a {what} (expected a mapping)")
    return document


def _dump(document: dict[str, Any], path: Path, header: str) -> None:
    path.write_text(header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def with_registry_breaches(manifest: Path, entries: list[dict[str, Any]]) -> tuple[Path, list[str]]:
    """The manifest to audit and any warnings. Without notices on file the bundle is audited as it
    came; with them, each org record gains the notices it lacks (by id) in a merged copy."""
    if not entries:
        return manifest, []
    document = _load(manifest, "inspection manifest")
    targets = document.get("targets") or {}
    records = targets.get("org") or []
    if not records:
        return manifest, [
            f"the registry holds {len(entries)} breach notice(s) of this platform, but the bundle has no "
            "governance record (org target) to weigh them in"
        ]
    merged_names = []
    for name in records:
        source = manifest.parent / str(name)
        record = _load(source, "governance record")
        listed = record.get("breaches") or []
        if not isinstance(listed, list):
            raise BundleError(f"{source.name}: breaches: expected a list")
        known = {str(item.get("id")) for item in listed if isinstance(item, dict)}
        record["breaches"] = listed + [entry for entry in entries if entry["id"] not in known]
        target = source.with_name(source.name.removesuffix(".yaml").removesuffix(".yml") + SUFFIX)
        _dump(record, target, f"# {source.name} with the breach notices filed with the LendGuard registry.\n")
        merged_names.append(str(Path(str(name)).with_name(target.name).as_posix()))
    targets["org"] = merged_names
    derived = manifest.with_name(manifest.name.removesuffix(".yaml") + SUFFIX)
    _dump(document, derived, f"# {manifest.name}, its governance records merged with the registry's breach notices.\n")
    return derived, []
