"""`greenlint server` accepts the transports clients pass, and exits as LSP says."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _frames(*messages: dict[str, object]) -> bytes:
    body = b""
    for message in messages:
        data = json.dumps(message).encode()
        body += b"Content-Length: %d\r\n\r\n" % len(data) + data
    return body


@pytest.mark.parametrize("arguments", [[], ["--stdio"]], ids=["default", "--stdio"])
def test_shutdown_then_exit_exits_zero(arguments: list[str]) -> None:
    messages = _frames(
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    )
    process = subprocess.run(
        [sys.executable, "-m", "greenlint", "server", *arguments], input=messages, capture_output=True, timeout=60
    )
    assert process.returncode == 0, process.stderr.decode()
    assert b'"serverInfo"' in process.stdout


def test_end_of_input_without_shutdown_exits_one() -> None:
    process = subprocess.run([sys.executable, "-m", "greenlint", "server"], input=b"", capture_output=True, timeout=60)
    assert process.returncode == 1
