"""Backing the platform up and restoring it: the PostgreSQL database (pg_dump's custom format)
and the stored files (signed acts, documents, sealed PDFs, minutes) as one tar archive.

A sealed PDF stays verifiable after a restore only if its bytes and its fingerprint come back
together: both are taken by the same command, the database first, so that every file the
dump refers to is in the archive (files are never modified, only added)."""

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection

DUMP = "base.dump"
FILES = "fichiers.tar.gz"


def _tool(name: str) -> str:
    found = shutil.which(name, path=settings.POSTGRESQL_BIN_DIR) if settings.POSTGRESQL_BIN_DIR else None
    return found or shutil.which(name) or name


def _connection_args(database: dict) -> tuple[list[str], dict]:
    args = ["--host", database["HOST"] or "localhost", "--port", str(database["PORT"] or 5432)]
    args += ["--username", database["USER"], "--dbname", database["NAME"]]
    return args, {"PGPASSWORD": database.get("PASSWORD") or ""}


def backup(folder: Path) -> tuple[Path, Path]:
    """Write `base.dump` and `fichiers.tar.gz` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    args, password = _connection_args(connection.settings_dict)
    dump = folder / DUMP
    subprocess.run(  # noqa: S603 - PostgreSQL's own tool, arguments from the settings
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(dump), *args],
        check=True,
        env={**os.environ, **password},
    )
    files = folder / FILES
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(files, "w:gz") as archive:
        if media.exists():
            archive.add(media, arcname=".")
    return dump, files


def restore(folder: Path, database: dict, media_root: Path) -> None:
    """Load a backup into `database` (an empty database) and its files into `media_root`."""
    args, password = _connection_args(database)
    subprocess.run(  # noqa: S603 - PostgreSQL's own tool, arguments from the settings
        [_tool("pg_restore"), "--no-owner", "--exit-on-error", *args, str(folder / DUMP)],
        check=True,
        env={**os.environ, **password},
    )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / FILES, "r:gz") as archive:
        archive.extractall(media_root, filter="data")  # no absolute paths, links or devices
