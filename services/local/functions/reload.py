"""Live reload: an edit under services/ replaces the processes of the functions it affects.

The emulator, its tables and queues, and the event sources keep running: only function processes
end (after their in-flight invocation) and start again on the new code, as a deploy of that
function would. Which functions an edit affects is decided from the path:
- services/<package>/...: the functions whose handler lives in that package;
- services/shared/... or a file directly under services/ (topology.json): every function;
- services/local/...: none; that is the stack itself, which only a new `make run` reloads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

from services.local.bus import Bus, Notice, Reloaded

RELOAD_REASON = "the code changed"


class Restartable(Protocol):
    def restart(self, reason: str) -> None: ...


def affected(changed: Iterable[Path], code_root: Path, handlers: Mapping[str, str]) -> list[str]:
    """The functions (by name) whose code one of the `changed` files is part of.

    `handlers` maps each function to its handler path, e.g. `services.billing.handler.lambda_handler`.
    """
    names: set[str] = set()
    services = code_root / "services"
    for path in changed:
        try:
            parts = path.resolve().relative_to(services.resolve()).parts
        except ValueError:
            continue
        if not parts or parts[0] == "local" or "__pycache__" in parts:
            continue
        if len(parts) == 1 or parts[0] == "shared":
            return sorted(handlers)
        names.update(name for name, handler in handlers.items() if handler.split(".")[1] == parts[0])
    return sorted(names)


class Reloader:
    """Watches `code_root/services` (watchfiles) and restarts the affected functions."""

    def __init__(
        self, code_root: Path, functions: Mapping[str, Restartable], handlers: Mapping[str, str], bus: Bus
    ) -> None:
        self._code_root = code_root
        self._functions = functions
        self._handlers = handlers
        self._bus = bus

    def run(self, stopping: threading.Event) -> None:
        from watchfiles import PythonFilter, watch  # the local extra: only a reloading stack needs it

        changes = watch(
            self._code_root / "services",
            watch_filter=PythonFilter(extra_extensions=(".json",)),
            stop_event=stopping,
            debounce=300,
            rust_timeout=500,
            yield_on_timeout=False,
        )
        for batch in changes:
            self.apply([Path(path) for _, path in batch])

    def apply(self, changed: list[Path]) -> list[str]:
        names = affected(changed, self._code_root, self._handlers)
        shown = ", ".join(
            sorted(str(p.relative_to(self._code_root)) for p in changed if p.is_relative_to(self._code_root))
        )
        if not names:
            if any("local" in p.parts for p in changed):
                self._bus.publish(
                    Notice(f"↻ {shown} changed: the stack itself; restart `make run` to apply it")
                )
            return []
        threads = [
            threading.Thread(target=self._functions[name].restart, args=(RELOAD_REASON,), daemon=True)
            for name in names
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self._bus.publish(Reloaded(tuple(names), shown))
        return names
