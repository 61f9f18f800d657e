"""Progress: a bar with items/s, bytes/s and ETA on a TTY, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


def human_bytes(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(count) < 1024 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TB"


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """Thread-safe counters plus a reporter thread (``mode``: tty, plain or none)."""

    def __init__(
        self,
        label: str,
        *,
        total_items: int | None = None,
        mode: str = "auto",
        interval: float | None = None,
        out: TextIO | None = None,
    ):
        self.label = label
        self.total_items = total_items
        self.out = out or sys.stderr
        self.mode = _resolve(mode, self.out)
        self.interval = interval or (0.5 if self.mode == "tty" else 10.0)
        self.items = 0
        self.bytes = 0
        self.skipped = 0
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, items: int, nbytes: int = 0, skipped: int = 0) -> None:
        with self._lock:
            self.items += items
            self.bytes += nbytes
            self.skipped += skipped

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._start, 1e-6)
        with self._lock:
            items, nbytes, skipped = self.items, self.bytes, self.skipped
        rate = items / elapsed
        eta = None
        if self.total_items and rate > 0:
            eta = max(0.0, (self.total_items - items - skipped) / rate)
        done = f"{items:,}" + (f"/{self.total_items:,}" if self.total_items else "")
        text = f"{self.label}: {done} items, {rate:,.0f} items/s, {human_bytes(nbytes / elapsed)}/s"
        text += f", {skipped:,} skipped" if skipped else ""
        return f"{text}, ETA {eta_text(eta)}"

    def _bar(self) -> str:
        total = self.total_items or 0
        frac = min(1.0, (self.items + self.skipped) / total) if total else 0.0
        filled = int(frac * 24)
        return f"\r[{'#' * filled}{'.' * (24 - filled)}] {frac * 100:5.1f}% {self.line()}\033[K"

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._emit()

    def _emit(self) -> None:
        text = self._bar() if self.mode == "tty" else self.line() + "\n"
        self.out.write(text)
        self.out.flush()

    def __enter__(self) -> Progress:
        if self.mode != "none":
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._emit()
            if self.mode == "tty":
                self.out.write("\n")


def _resolve(mode: str, out: TextIO) -> str:
    if mode != "auto":
        return mode
    isatty = getattr(out, "isatty", None)
    return "tty" if isatty is not None and isatty() else "plain"
