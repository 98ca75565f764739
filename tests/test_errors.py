"""Error messages: what happened, the cause, the fix, on one line."""

import pytest

from tracker.errors import BadInput, ExitStatus, FetchError, PackError, TrackerError
from tracker.ingest import parse_bytes, parse_file


def test_errors_one_line_shape() -> None:
    e = BadInput("old.pdf is empty", "it has no bytes", "give the guidance file")
    assert e.one_line() == "old.pdf is empty: it has no bytes. To fix: give the guidance file."
    assert "\n" not in BadInput("a\nb", "c\nd", "e").one_line()


def test_errors_exit_statuses() -> None:
    assert BadInput("x").exit_status == ExitStatus.BAD_INPUT == 2
    assert PackError("x").exit_status == 2
    assert FetchError("x").exit_status == ExitStatus.FOUND == 1


@pytest.mark.parametrize("call", [lambda: parse_bytes(b"", name="a.txt"), lambda: parse_file("/no/such/file.pdf")])
def test_errors_library_raises_typed_errors_with_a_fix(call) -> None:
    with pytest.raises(TrackerError) as e:
        call()
    assert "To fix:" in str(e.value)
