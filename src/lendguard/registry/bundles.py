"""Inspection bundles: a zip or tar archive holding an inspection.yaml and every file it names, as
`lendguard audit` reads them. An archive is read member by member with limits before anything is
written: a member that leaves the archive (zip slip), a link, a device, a duplicate, an archive that
unpacks past its limits (zip bomb), a missing manifest or a target outside the bundle is refused
with the reason, and unpacking counts the bytes it writes rather than trusting the headers."""

from __future__ import annotations

import io
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from lendguard.manifest import Manifest, ManifestError, load_manifest
from lendguard.registry.errors import InvalidError

MANIFEST = "inspection.yaml"
MAX_MEMBERS = 5_000
MAX_UNPACKED_BYTES = 1 << 30
MAX_RATIO = 500  # a large member expanding more than this is a decompression bomb (text: 5-50 fold)
RATIO_FROM = 16 << 20
CHUNK = 1 << 20


class BundleError(InvalidError):
    """The bundle is refused (the reason names the member and the problem)."""


@dataclass(frozen=True)
class Member:
    name: PurePosixPath
    size: int
    is_dir: bool


def _name(raw: str) -> PurePosixPath:
    if "\\" in raw or "\x00" in raw or (len(raw) > 1 and raw[1] == ":"):
        raise BundleError(f"bundle member {raw!r}: not a relative POSIX path")
    name = PurePosixPath(raw)
    if name.is_absolute() or ".." in name.parts:
        raise BundleError(f"bundle member {raw!r} points outside the bundle (path traversal)")
    if not name.parts or name.parts == (".",):
        raise BundleError(f"bundle member {raw!r}: an empty name")
    return PurePosixPath(*(part for part in name.parts if part != "."))


class _Budget:
    def __init__(self) -> None:
        self.members = 0
        self.bytes = 0
        self.names: set[PurePosixPath] = set()

    def admit(self, raw: str, size: int, compressed: int | None, is_dir: bool) -> Member:
        name = _name(raw)
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise BundleError(f"the bundle has more than {MAX_MEMBERS} members")
        if name in self.names:
            raise BundleError(f"bundle member {raw!r} appears twice")
        self.names.add(name)
        self.bytes += size
        if self.bytes > MAX_UNPACKED_BYTES:
            raise BundleError(f"the bundle unpacks to more than {MAX_UNPACKED_BYTES >> 20} MiB (a decompression bomb?)")
        if compressed is not None and size > RATIO_FROM and size > MAX_RATIO * max(compressed, 1):
            raise BundleError(f"bundle member {raw!r} expands {size // max(compressed, 1)}-fold (a decompression bomb)")
        return Member(name, size, is_dir)


def _zip_members(archive: zipfile.ZipFile) -> Iterator[tuple[zipfile.ZipInfo, Member]]:
    budget = _Budget()
    for info in archive.infolist():
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise BundleError(f"bundle member {info.filename!r} is a symbolic link (refused)")
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):  # 0: written without a file type
            raise BundleError(f"bundle member {info.filename!r} is not a regular file")
        if info.flag_bits & 0x1:
            raise BundleError(f"bundle member {info.filename!r} is encrypted")
        yield info, budget.admit(info.filename, info.file_size, info.compress_size, info.is_dir())


def _tar_members(archive: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, Member]]:
    budget = _Budget()
    while (info := archive.next()) is not None:  # one header at a time: a huge member stops us early
        if info.issym() or info.islnk():
            raise BundleError(f"bundle member {info.name!r} is a link (refused)")
        if not (info.isfile() or info.isdir()):
            raise BundleError(f"bundle member {info.name!r} is not a regular file")
        yield info, budget.admit(info.name, info.size, None, info.isdir())


def _copy(source: IO[bytes], target: Path, limit: int, name: str) -> int:
    """Copy at most `limit` bytes; more is a member lying about its size."""
    written = 0
    with target.open("xb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise BundleError(f"bundle member {name!r} unpacks to more than it declares (a decompression bomb)")
            out.write(chunk)
    return written


def _manifest_of(names: set[PurePosixPath]) -> PurePosixPath:
    if PurePosixPath(MANIFEST) in names:
        return PurePosixPath(MANIFEST)
    tops = {name.parts[0] for name in names}
    if len(tops) == 1:
        nested = PurePosixPath(next(iter(tops)), MANIFEST)
        if nested in names:
            return nested
    raise BundleError(f"the bundle holds no {MANIFEST} (at its top, or in its one top-level folder)")


def _open(data: bytes) -> zipfile.ZipFile | tarfile.TarFile:
    if zipfile.is_zipfile(io.BytesIO(data)):
        return zipfile.ZipFile(io.BytesIO(data))
    try:
        return tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BundleError("the bundle is neither a zip nor a tar archive") from error


def unpack(data: bytes, folder: Path) -> Path:
    """Unpack the bundle under `folder` (empty); returns the manifest's path."""
    written = 0
    names: set[PurePosixPath] = set()
    archive = _open(data)
    try:
        with archive:
            members: Iterator[tuple[zipfile.ZipInfo | tarfile.TarInfo, Member]]
            members = _zip_members(archive) if isinstance(archive, zipfile.ZipFile) else _tar_members(archive)
            for info, member in members:
                names.add(member.name)
                target = folder.joinpath(*member.name.parts)
                if member.is_dir:
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(archive, zipfile.ZipFile):
                    assert isinstance(info, zipfile.ZipInfo)
                    source: IO[bytes] | None = archive.open(info)
                else:
                    assert isinstance(info, tarfile.TarInfo)
                    source = archive.extractfile(info)
                if source is None:
                    raise BundleError(f"bundle member {str(member.name)!r}: unreadable")
                with source:
                    written += _copy(source, target, min(member.size, MAX_UNPACKED_BYTES - written), str(member.name))
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, RuntimeError) as error:
        if isinstance(error, FileExistsError):
            raise BundleError(f"bundle member {Path(error.filename or '').name!r} appears twice") from error
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise BundleError(f"the bundle is damaged: {reason}") from error
    return folder.joinpath(*_manifest_of(names).parts)


def zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _targets(manifest: Manifest) -> list[str]:
    targets = manifest.targets
    named: list[str] = [*targets.apk, *targets.policy, *targets.traffic, *targets.org]
    named += [str(item.get("path", "")) if isinstance(item, dict) else item for item in targets.datastore]
    named += [value for entry in targets.collection for value in (entry.log, entry.loans)]
    if manifest.waivers:
        named.append(manifest.waivers)
    return named


def check_manifest(manifest_path: Path, root: Path) -> Manifest:
    """The bundle's manifest, once every target it names is a file (or folder) inside the bundle:
    an uploaded manifest may not make the worker read the server's files or reach other hosts."""
    try:
        manifest = load_manifest(manifest_path)
    except ManifestError as error:
        raise BundleError(str(error).replace(str(root) + "/", "")) from error
    for item in manifest.targets.datastore:
        if isinstance(item, dict) and item.get("engine", "local") != "local":
            raise BundleError(f"{MANIFEST}: datastore engine {item.get('engine')!r}: a bundle is audited locally")
    base = manifest_path.parent
    for value in _targets(manifest):
        if ("://" in value and not value.startswith("sqlite:///")) or value.startswith(("hive:", "jdbc:")):
            raise BundleError(f"{MANIFEST}: target {value!r} is not a file inside the bundle")
        relative = value.removeprefix("sqlite:///")
        if PurePosixPath(relative).is_absolute():
            raise BundleError(f"{MANIFEST}: target {value!r} is outside the bundle")
        path = (base / relative).resolve()
        if not path.is_relative_to(root.resolve()):
            raise BundleError(f"{MANIFEST}: target {value!r} is outside the bundle")
        if not path.exists():
            raise BundleError(f"{MANIFEST}: target {value!r} is not in the bundle")
    return manifest


@dataclass(frozen=True)
class Unpacked:
    root: Path  # the temporary folder the bundle was unpacked in
    path: Path  # its inspection.yaml
    manifest: Manifest


@contextmanager
def unpacked(data: bytes) -> Iterator[Unpacked]:
    """The bundle unpacked in a temporary folder, its manifest checked; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lendguard-bundle-") as folder:
        root = Path(folder)
        path = unpack(data, root)
        yield Unpacked(root, path, check_manifest(path, root))
