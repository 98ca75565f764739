"""Error messages: what happened, the cause, the fix, on one line."""

import pytest

from tracker.errors import BadInput, ExitStatus, FetchError, OutputError, PackError, TrackerError, file_in_the_way
from tracker.ingest import parse_bytes, parse_file


def test_errors_one_line_shape() -> None:
    e = BadInput("old.pdf is empty", "it has no bytes", "give the guidance file")
    assert e.one_line() == "old.pdf is empty: it has no bytes. To fix: give the guidance file."
    assert "\n" not in BadInput("a\nb", "c\nd", "e").one_line()


def test_errors_exit_statuses() -> None:
    assert BadInput("x").exit_status == ExitStatus.BAD_INPUT == 2
    assert PackError("x").exit_status == 2
    assert FetchError("x").exit_status == ExitStatus.FOUND == 1
    assert OutputError("x").exit_status == 2 and isinstance(OutputError("x"), BadInput)
    assert ExitStatus.INTERNAL == 70


def test_errors_output_error_names_the_file_in_the_way(tmp_path) -> None:
    blocker = tmp_path / "report.md"
    blocker.write_text("x")
    with pytest.raises(OSError) as e:
        (blocker / "a" / "b").mkdir(parents=True)
    assert file_in_the_way(e.value) == blocker
    line = OutputError.writing(blocker / "a" / "b" / "r.json", e.value).one_line()
    assert line == (f"cannot write {blocker / 'a' / 'b' / 'r.json'}: {blocker} is a file, not a folder. "
                    "To fix: give --out a folder that is not an existing file, or a file name for one format.")
    with pytest.raises(OSError) as e:
        (tmp_path / "nowhere" / "x").read_bytes()
    assert file_in_the_way(e.value) is None
    assert OutputError.writing(tmp_path / "nowhere" / "x", e.value).one_line().endswith("or pick another --out.")


@pytest.mark.parametrize("call", [lambda: parse_bytes(b"", name="a.txt"), lambda: parse_file("/no/such/file.pdf")])
def test_errors_library_raises_typed_errors_with_a_fix(call) -> None:
    with pytest.raises(TrackerError) as e:
        call()
    assert "To fix:" in str(e.value)
