"""How the CLI prints: terminal-safe echo, query results, and every failure mapped to one line and an exit code."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, ParamSpec, TextIO, TypeVar

import click

from kg import report_text
from kg.model.errors import KGError
from kg.model.text import terminal_safe

if TYPE_CHECKING:
    from kg.model.results import QueryResult

P = ParamSpec("P")  # the parameters of the function `reports_errors` wraps
R = TypeVar("R")  # and what it returns


def echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo for text kg composes from data: control characters shown as escapes, never obeyed."""
    click.echo(terminal_safe(message), err=err, nl=nl)


def binary_stdout() -> BinaryIO | io.RawIOBase:
    """stdout for bytes (what is already in its text layer written first), for output written as UTF-8 bytes."""
    sys.stdout.flush()
    buffer: BinaryIO | None = getattr(sys.stdout, "buffer", None)
    return buffer if buffer is not None else _TextAsBytes(sys.stdout)


class _TextAsBytes(io.RawIOBase):
    """A text stream without a byte buffer (one a caller put in place of stdout), written bytes as UTF-8."""

    def __init__(self, text: TextIO) -> None:
        self.text = text

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.text.write(bytes(data).decode("utf-8"))
        return len(data)

    def flush(self) -> None:
        self.text.flush()


def echo_lines(lines: list[str]) -> None:
    """Each line of a report's text (`kg.report_text`), as `echo` prints it."""
    for line in lines:
        echo(line)


def _debug() -> bool:
    """KG_DEBUG=1: show the traceback behind an error message (for bug reports)."""
    return os.environ.get("KG_DEBUG", "") not in ("", "0")


def _failure(message: str) -> click.ClickException:
    """The one-line error for `message`, after the traceback of the exception being handled if KG_DEBUG asks."""
    if _debug():
        traceback.print_exc()
    return click.ClickException(terminal_safe(message))


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail a second time."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def fail_if_strict(strict: bool, skipped: int, ignored: int) -> None:
    """--strict: the work is done and reported, then any skip or left-out input is an error (exit 1)."""
    if strict and (skipped or ignored):
        raise click.ClickException(f"--strict: {skipped} skipped, {ignored} not read (see above)")


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Map every failure to one line and a documented exit code: 1 for data and runtime errors (2 for usage
    errors is click's), 130 for Ctrl-C. No traceback reaches a user unless KG_DEBUG=1 asks for it."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except KGError as exc:
            raise _failure(str(exc)) from None
        except BrokenPipeError:
            _silence_stdout()
            sys.stderr.close()
            sys.exit(1)
        except KeyboardInterrupt:
            echo("kg: interrupted", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except OSError as exc:  # the output could not be written (/dev/full, a dead terminal), or a file vanished
            where = f" ({exc.filename})" if exc.filename else ""
            failure = _failure(
                f"{exc.strerror or exc}{where}; nothing more was written (KG_DEBUG=1 shows the traceback)"
            )
            _silence_stdout()
            raise failure from None
        except Exception as exc:  # noqa: BLE001 - a bug: one line, and how to get the details
            raise _failure(
                f"internal error ({type(exc).__name__}: {exc}); re-run with KG_DEBUG=1 for the traceback and "
                "please report it"
            ) from None

    return wrapper


def print_result(result: QueryResult, as_json: bool, as_csv: bool) -> None:
    """A query result as JSON Lines (one object per row), CSV with a header, or a table."""
    if as_json:
        if result.rows:
            click.echo(
                "\n".join(
                    json.dumps(dict(zip(result.columns, row)), ensure_ascii=False, default=str) for row in result.rows
                )
            )
        return
    if as_csv:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        return
    echo(report_text.result_table(result))
