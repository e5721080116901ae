"""Write an export atomically: build it in a hidden sibling folder, then swap it in.

A build that fails or is killed leaves the previous export as it was. Every hidden
folder a build makes carries the build's process id in its name
(``.corpus-builder-staging-<pid>-<random>``), so the next build can tell the folders of
dead builds, including an old export swapped out just before a kill, and remove them.
Hidden marker files in the output folder (``.gitkeep``, ``.gitignore``) do not make
it non-empty and are carried over into the new export.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from .errors import OutputError

MARKER_FILES = (".gitkeep", ".gitignore")
STAGING_PREFIX = ".corpus-builder-staging-"
PID_FILE = ".build-pid"  # written by earlier versions; still read when cleaning up


def check_output(output: Path, *, force: bool) -> None:
    """Raise OutputError unless ``output`` may be written (before any work is done)."""
    if output.exists() and not output.is_dir():
        raise OutputError(
            "exists and is not a folder; choose another --out",
            path=str(output),
            code="E601",
        )
    if output.is_dir() and _content(output):
        if not force:
            raise OutputError(
                "the output folder is not empty; pass --force to replace an earlier "
                "export there, or choose another --out",
                path=str(output),
                code="E602",
            )
        if not is_export(output):
            raise OutputError(
                "the output folder holds files but no corpus-builder export (no "
                "manifest.json of this tool); --force only replaces an earlier export, "
                "so choose an empty or new folder",
                path=str(output),
                code="E603",
            )
        foreign = foreign_files(output)
        if foreign:
            shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
            raise OutputError(
                f"the earlier export holds files it did not write ({shown}); move "
                "them out, or choose another --out",
                path=str(output),
                code="E604",
            )
    parent = output.resolve().parent
    if not parent.is_dir():
        raise OutputError(
            f"its parent folder {parent} does not exist; create it or choose another "
            "--out",
            path=str(output),
            code="E605",
        )
    try:
        _hidden_folder(parent).rmdir()
    except OSError as exc:
        raise OutputError(
            f"cannot write in {parent} ({exc.strerror}); choose a folder you can "
            "write to",
            path=str(output),
            code="E606",
        ) from None


def check_not_replacing(
    output: Path, *, allowed: str, inputs: tuple[Path, ...] = ()
) -> None:
    """Refuse, even with ``--force``, to replace a folder another command wrote, or
    one that holds an input of this run.

    ``allowed`` names what may be replaced: ``"import"`` (a folder with an import's
    manifest) or ``"report"``.
    """
    target = output.resolve()
    for path in inputs:
        if target == path.resolve() or target in path.resolve().parents:
            raise OutputError(
                f"holds {path}, an input of this run; replacing it would delete the "
                "input: choose another --out",
                path=str(output),
                code="E609",
            )
    try:
        manifest = json.loads((output / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(manifest, dict):
        return
    kind = "import" if "imported_from" in manifest else manifest.get("kind", "build")
    if kind != allowed:
        raise OutputError(
            f"holds a corpus {kind}, which this command never replaces, even with "
            "--force; choose another --out",
            path=str(output),
            code="E609",
        )


def is_export(folder: Path) -> bool:
    """True if ``folder`` holds an export this tool wrote."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(manifest, dict)
        and manifest.get("tool", {}).get("name") == "corpus-builder"
    )


def foreign_files(folder: Path) -> list[str]:
    """Files in an export folder that its manifest does not list."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    listed = set(manifest.get("files", {})) | {"manifest.json", *MARKER_FILES}
    present = [
        p.relative_to(folder).as_posix()
        for p in sorted(folder.rglob("*"))
        if p.is_file() or p.is_symlink()
    ]
    return [name for name in present if name not in listed]


def make_staging(output: Path) -> Path:
    """A new hidden folder beside ``output``; removes those of killed builds."""
    parent = output.resolve().parent
    remove_stale_staging(parent)
    try:
        staging = _hidden_folder(parent)
    except OSError as exc:
        raise OutputError(
            f"cannot create a folder beside it ({exc.strerror}); choose a folder you "
            "can write to",
            path=str(output),
            code="E606",
        ) from None
    # mkdtemp makes a private folder; the export gets the usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)
    return staging


def remove_stale_staging(parent: Path) -> list[Path]:
    """Remove staging folders whose build process no longer runs."""
    removed = []
    for folder in parent.glob(STAGING_PREFIX + "*"):
        pid = _owner(folder)
        if pid is not None and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _hidden_folder(parent: Path) -> Path:
    """A new private folder in ``parent`` whose name carries this process's id."""
    return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=parent))


def _owner(folder: Path) -> int | None:
    """The id of the process that made a hidden folder, or None if unknown."""
    head = folder.name[len(STAGING_PREFIX) :].split("-", 1)[0]
    if head.isascii() and head.isdigit():
        return int(head)
    try:
        return int((folder / PID_FILE).read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def publish(staging: Path, output: Path) -> None:
    """Put ``staging`` in place of ``output`` in one step where the OS allows it."""
    output = output.resolve()
    if output.is_dir():
        for name in MARKER_FILES:
            if (output / name).is_file() and not (staging / name).exists():
                shutil.copy2(output / name, staging / name)
        if _exchange(staging, output):
            shutil.rmtree(staging)
            return
        backup = _hidden_folder(output.parent)
        os.rename(output, backup / "old")
        os.rename(staging, output)
        shutil.rmtree(backup)
        return
    os.rename(staging, output)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def _content(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name not in MARKER_FILES]


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux renameat2(RENAME_EXCHANGE)."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(
        at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange
    )
    return result == 0
