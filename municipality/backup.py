"""Backup and restore of the database and the uploaded files together, as one tar file.

The tar holds the database (``pg_dump -Fc`` on PostgreSQL, a copy made with SQLite's backup API on
the embedded default), every file under MEDIA_ROOT (the coordinators' photos) and last a manifest
with the row count of every table and the SHA-256 of every file. The database is read first, in one
snapshot whose counts the manifest gives; files are only ever added under MEDIA_ROOT, so every photo
the database names is in the tar. A restore goes only into an empty database and an empty folder,
and checks every hash before it writes anything and every count after.

It holds 要配慮個人情報: encrypt it (README, Backup and restore).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections, transaction
from django.db.backends.postgresql.client import DatabaseClient
from django.utils import timezone

FORMAT = "shien-backup/1"
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """Hashes what tarfile reads, so each media file is read once."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _counts(cursor, tables: list[str]) -> dict[str, int]:
    quote = connections["default"].ops.quote_name
    counts = {}
    for table in sorted(t for t in tables if not t.startswith("sqlite_")):
        cursor.execute(f"SELECT count(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


# --- PostgreSQL --------------------------------------------------------------------------

def _tool_major(tool: str) -> tuple[int, str]:
    try:
        out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise CommandError(
            f"{tool} が見つかりません。PostgreSQL のクライアント（Debian: postgresql-client）を入れてください。") from error
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if not match:
        raise CommandError(f"{tool} の版を読めません：{out}")
    return int(match.group(1)), out


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    _, extra = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(extra or {})}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{args[0]} が失敗しました（終了コード {result.returncode}）：\n{result.stderr.strip()}")


def _dump_postgres(connection, folder: Path) -> tuple[Path, dict[str, Any]]:
    server_major = connection.pg_version // 10000
    client_major, client = _tool_major("pg_dump")
    if client_major < server_major:
        raise CommandError(
            f"pg_dump の版（{client}）がサーバー（PostgreSQL {server_major}）より古いため、バックアップできません。"
            f"postgresql-client-{server_major} 以降を入れてください（Debian 標準にない版は apt.postgresql.org から）。")
    target = folder / DATABASE_FILES["postgresql"]
    # One snapshot for the counts and the dump: the manifest says exactly what the dump holds.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _counts(cursor, connection.introspection.table_names(cursor))
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
             _pg_env(connection.settings_dict))
    return target, {"server_version": connection.pg_version, "dump_tool": client, "tables": counts}


def _restore_postgres(connection, archive: Path, manifest: dict[str, Any]) -> None:
    client_major, client = _tool_major("pg_restore")
    dumped_major = int(re.search(r"(\d+)", manifest["database"]["dump_tool"]).group(1))
    if client_major < dumped_major:
        raise CommandError(
            f"このバックアップは {manifest['database']['dump_tool']} で作られています。pg_restore（{client}）では"
            f"読めません。postgresql-client-{dumped_major} 以降を入れてください。")
    settings_dict = connection.settings_dict
    connection.close()
    # Objects belong to whoever restores (the owner); the application's role is granted afterwards.
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={settings_dict['NAME']}", str(archive)], _pg_env(settings_dict))


# --- SQLite --------------------------------------------------------------------------------

def _copy_sqlite(connection, folder: Path) -> tuple[Path, dict[str, Any]]:
    target = folder / DATABASE_FILES["sqlite"]
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        # The backup API copies a consistent state even while others write.
        connection.connection.backup(copy)
        cursor = copy.cursor()
        tables = [row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        counts = _counts(cursor, tables)
    copy.close()
    return target, {"server_version": sqlite3.sqlite_version, "dump_tool": "sqlite3 backup API", "tables": counts}


def _restore_sqlite(connection, copy: Path) -> None:
    name = connection.settings_dict["NAME"]
    connection.close()
    with sqlite3.connect(copy) as source, sqlite3.connect(name) as target:
        source.backup(target)
    source.close()
    target.close()


# --- Backup ------------------------------------------------------------------------------------

def backup_write(*, out: BinaryIO, alias: str = "default") -> dict[str, Any]:
    """Write the database, MEDIA_ROOT and a manifest as one tar to ``out``; returns the manifest."""
    connection = connections[alias]
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="shien-backup-") as tmp:
        if connection.vendor == "postgresql":
            database, info = _dump_postgres(connection, Path(tmp))
        elif connection.vendor == "sqlite":
            database, info = _copy_sqlite(connection, Path(tmp))
        else:
            raise CommandError(f"{connection.vendor} のデータベースのバックアップには対応していません。")
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": {"vendor": connection.vendor, "file": database.name, "sha256": _sha256(database),
                         "bytes": database.stat().st_size, **info},
            "media": {"files": {}, "bytes": 0},
        }
        with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            tar.add(database, arcname=database.name)
            files = sorted(p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink()) \
                if media_root.is_dir() else []
            for path in files:
                name = path.relative_to(media_root).as_posix()
                info_ = tar.gettarinfo(path, arcname=f"{MEDIA}/{name}")
                info_.uid, info_.gid, info_.uname, info_.gname = 0, 0, "", ""  # the restoring user owns them
                with path.open("rb") as handle:
                    reader = _HashingReader(handle)
                    tar.addfile(info_, reader)
                manifest["media"]["files"][name] = reader.digest.hexdigest()
                manifest["media"]["bytes"] += info_.size
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info_ = tarfile.TarInfo(MANIFEST)
            info_.size, info_.mode, info_.mtime = len(data), 0o600, int(timezone.now().timestamp())
            tar.addfile(info_, io.BytesIO(data))
    return manifest


# --- Restore ------------------------------------------------------------------------------------

def _refuse_non_empty_targets(connection, media_root: Path) -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if tables:
        raise CommandError(
            f"復元先のデータベース（{connection.settings_dict['NAME']}）が空ではありません（テーブル{len(tables)}個）。"
            "空のデータベースを用意してから復元してください。")
    if media_root.exists() and any(media_root.iterdir()):
        raise CommandError(f"復元先のフォルダ（MEDIA_ROOT: {media_root}）が空ではありません。空のフォルダを指定してください。")


def _read_and_verify(source: BinaryIO, folder: Path) -> dict[str, Any]:
    try:
        with tarfile.open(fileobj=source, mode="r|*") as tar:
            tar.extractall(folder, filter="data")
        manifest = json.loads((folder / MANIFEST).read_text())
    except (tarfile.TarError, OSError, ValueError) as error:
        raise CommandError(f"バックアップのファイルを読めません（{error}）。") from error
    if manifest.get("format") != FORMAT:
        raise CommandError(f"このシステムのバックアップではありません（形式 {manifest.get('format')!r}）。")
    database = folder / manifest["database"]["file"]
    if manifest["database"]["file"] not in DATABASE_FILES.values() or not database.is_file() \
            or _sha256(database) != manifest["database"]["sha256"]:
        raise CommandError("バックアップのデータベースのファイルが欠けているか、壊れています（SHA-256 が一致しません）。")
    media = folder / MEDIA
    found = {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()} if media.is_dir() else set()
    expected = manifest["media"]["files"]
    if found != set(expected):
        raise CommandError(f"バックアップのファイルの一覧が目録と一致しません（欠け{len(set(expected) - found)}、"
                           f"余分{len(found - set(expected))}）。")
    broken = [name for name, digest in expected.items() if _sha256(media / name) != digest]
    if broken:
        raise CommandError(f"バックアップのファイル{len(broken)}個が壊れています（例：{broken[0]}）。")
    return manifest


def backup_restore(*, source: BinaryIO, alias: str = "default") -> dict[str, Any]:
    """Restore a tar written by backup_write into an empty database and an empty MEDIA_ROOT."""
    connection = connections[alias]
    media_root = Path(settings.MEDIA_ROOT)
    _refuse_non_empty_targets(connection, media_root)
    with tempfile.TemporaryDirectory(prefix="shien-restore-") as tmp:
        folder = Path(tmp)
        manifest = _read_and_verify(source, folder)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise CommandError(f"このバックアップは {vendor} のものです。復元先は {connection.vendor} です。")
        database = folder / manifest["database"]["file"]
        # The photos first, into a folder beside MEDIA_ROOT (the same disk): a disk that fills up
        # stops the restore before the database is written. The folder takes MEDIA_ROOT's name last.
        staging = media_root.with_name(media_root.name + ".restoring")
        shutil.rmtree(staging, ignore_errors=True)
        if (folder / MEDIA).is_dir():
            shutil.copytree(folder / MEDIA, staging)
        else:
            staging.mkdir(parents=True)
        try:
            if vendor == "postgresql":
                _restore_postgres(connection, database, manifest)
            else:
                _restore_sqlite(connection, database)
            with connection.cursor() as cursor:
                counts = _counts(cursor, connection.introspection.table_names(cursor))
            if counts != manifest["database"]["tables"]:
                differ = sorted(t for t in set(counts) | set(manifest["database"]["tables"])
                                if counts.get(t) != manifest["database"]["tables"].get(t))
                raise CommandError(
                    f"復元したデータベースの件数が目録と一致しません：{', '.join(differ[:10])}。"
                    "このデータベースは使わず、削除して空のデータベースを作り直してから、もう一度復元してください。")
            if media_root.exists():
                media_root.rmdir()  # empty, as checked above
            staging.rename(media_root)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return manifest
