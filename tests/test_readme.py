"""The README's terminal session is what derive prints.

Each `$ derive ...` line of the README's first console block is run in
process; every output line the README shows must be the line derive prints
at that position.  A line ending in "(...)" is compared up to the
parenthesis, and a line "..." ends the comparison for that command.
"""

import contextlib
import io
import shlex
from pathlib import Path

import pytest

from derive import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def _sessions():
    """[(argv, expected lines)] from the first ``` block that holds `$ derive` lines."""
    blocks, current = [], None
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append("\n".join(current))
                current = None
        elif current is not None:
            current.append(line)
    block = next(b for b in blocks if b.startswith("$ derive"))
    sessions = []
    for line in block.splitlines():
        if line.startswith("$ derive "):
            command = line[len("$ derive "):]
            argv = shlex.split(command, comments=True)
            sessions.append((argv, []))
        elif line.strip():
            sessions[-1][1].append(line)
    return sessions


SESSIONS = _sessions()


def test_the_readme_shows_a_session():
    assert len(SESSIONS) >= 3 and all(expected for _, expected in SESSIONS)


@pytest.mark.parametrize("argv, expected", SESSIONS, ids=[" ".join(a[:2]) for a, _ in SESSIONS])
def test_readme_output_is_what_derive_prints(argv, expected):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(argv)
    printed = out.getvalue().splitlines()
    assert code in (0, 1), out.getvalue()
    for position, want in enumerate(expected):
        if want == "...":
            break
        assert position < len(printed), f"derive printed {len(printed)} lines; the README shows more"
        got = printed[position]
        if want.endswith("(...)"):
            assert got.startswith(want[: -len("(...)")]), (want, got)
        else:
            assert got == want
