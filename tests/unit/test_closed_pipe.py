"""A reader that goes away (`ci-ecs status | head -1`) is no failure: the job goes on, unheard."""

from __future__ import annotations

import os

from ci_ecs.output import Console


def test_writes_after_the_reader_closed_the_pipe_go_nowhere_and_raise_nothing() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "w") as out:
        console = Console(out=out, err=out)

        console.line("first")
        console.step("second")
        console.error("third")
        out.flush()  # as the interpreter does at exit

        assert os.readlink(f"/proc/self/fd/{out.fileno()}") == os.devnull
