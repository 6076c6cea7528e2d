"""The portal's one cache: database reads kept in this process, keyed by the database, its data stamp and the inputs.

What is cached, under which key, and why it cannot go stale: docs/caching.md.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import sqlite_utils
import streamlit as st

from yse_core import db as yse_db

from .session import db_path, t

Value = TypeVar("Value")
_MISSING = object()


class ReadCache:
    """A bounded, thread-safe map from a key to a read's result; past ``max_entries`` the least recently used goes.

    One instance per kind of read, shared by every session of the process (the portal's server threads), so a
    value is handed out as it is, not copied: callers only read it.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: object = None) -> object:
        """Return the value stored under ``key`` (now the most recently used), else ``default``."""
        with self._lock:
            value = self._entries.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: object) -> None:
        """Store ``value`` under ``key``, dropping the least recently used entries past the limit."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def stamp_key(db: sqlite_utils.Database) -> tuple[str, str]:
    """Return (database path, data stamp): the first part of every cache key."""
    return str(db_path()), yse_db.data_stamp(db)


def cached(max_entries: int, loading: str | None = None) -> Callable[[Callable[..., Value]], Callable[..., Value]]:
    """Keep ``read(db, *inputs)``'s results per (database path, data stamp, inputs), at most ``max_entries`` of them.

    The inputs must be hashable and say everything else the result depends on (a statistics month, an area);
    the stamp and the read share one snapshot (``db.snapshot``), so a result is never stored under a stamp
    newer than its data. ``loading`` (a text key) is what a spinner says while a missing value is read; a value
    found costs no spinner (each ``st.spinner`` starts a thread and sends an element, and a dossier asked for a
    dozen a run).
    """
    def decorate(read: Callable[..., Value]) -> Callable[..., Value]:
        store = ReadCache(max_entries)

        @functools.wraps(read)
        def cached_read(db: sqlite_utils.Database, *inputs: Hashable) -> Value:
            with yse_db.snapshot(db):
                key = (*stamp_key(db), inputs)
                value = store.get(key, _MISSING)
                if value is _MISSING:
                    with st.spinner(t(loading)) if loading else contextlib.nullcontext():
                        value = read(db, *inputs)
                    store.put(key, value)
            return value

        cached_read.cache = store
        return cached_read
    return decorate
