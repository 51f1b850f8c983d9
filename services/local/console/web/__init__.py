"""The browser console of `make run`, served by the local gateway at /_console."""

from services.local.console.web.app import PREFIX, WebConsole

__all__ = ["PREFIX", "WebConsole"]
