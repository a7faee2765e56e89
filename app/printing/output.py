"""Send finished PDFs to a CUPS printer (`lp`) and list printers (`lpstat`); no Qt here.

The CUPS client commands are run with the C locale so their answers can be read, and with
$CUPS_SERVER (or `server=`) naming the scheduler when it is not the local default.
"""

from __future__ import annotations

import os
import re
import subprocess

from app.errors import ShopfloorError

LP = "lp"
LPSTAT = "lpstat"
TIMEOUT_SECONDS = 30.0
DEFAULT_TITLE = "Shopfloor document"
_JOB_ID = re.compile(r"request id is (\S+)")
_MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")
_NAMED_MEDIA = {(612, 792): "Letter", (595, 842): "A4"}
_BAD_NAME = re.compile(r"[\s/\\#]|^-")


class PrintingError(ShopfloorError):
    """The document could not be handed to a printer."""

    code = "printing"


class CupsUnavailable(PrintingError):
    """CUPS is not installed here, or its scheduler is not running or not answering."""

    code = "cups_unavailable"


class PrinterNotFound(PrintingError):
    """No CUPS printer has that name."""

    code = "printer_not_found"


class PrintJobFailed(PrintingError):
    """CUPS refused the job."""

    code = "print_failed"


def _run(
    args: list[str], *, server: str | None, data: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, LC_ALL="C", LANG="C")
    if server:
        env["CUPS_SERVER"] = server
    try:
        return subprocess.run(
            args, input=data, capture_output=True, env=env, timeout=TIMEOUT_SECONDS, check=False
        )
    except FileNotFoundError:
        raise CupsUnavailable(
            f"the CUPS command {args[0]!r} is not installed (on Debian: apt-get install "
            "cups-client)"
        ) from None
    except subprocess.TimeoutExpired:
        raise CupsUnavailable(
            f"CUPS did not answer {args[0]!r} within {TIMEOUT_SECONDS:.0f} seconds"
        ) from None


def _words(result: subprocess.CompletedProcess[bytes]) -> str:
    return (result.stderr or result.stdout).decode("utf-8", "replace").strip()


def scheduler_running(*, server: str | None = None) -> bool:
    """Whether the CUPS scheduler answers."""
    result = _run([LPSTAT, "-r"], server=server)
    return b"scheduler is running" in result.stdout


def _require_scheduler(server: str | None) -> None:
    if not scheduler_running(server=server):
        where = f" at {server}" if server else ""
        raise CupsUnavailable(f"the CUPS scheduler{where} is not running")


def list_printers(*, server: str | None = None) -> list[str]:
    """Names of the printers (and classes) CUPS offers, sorted."""
    _require_scheduler(server)
    result = _run([LPSTAT, "-e"], server=server)
    if result.returncode != 0:
        raise CupsUnavailable(f"CUPS could not list its printers: {_words(result)}")
    names = {line.strip() for line in result.stdout.decode("utf-8", "replace").splitlines()}
    return sorted(name for name in names if name)


def default_printer(*, server: str | None = None) -> str | None:
    """The CUPS default destination, if one is set."""
    _require_scheduler(server)
    result = _run([LPSTAT, "-d"], server=server)
    text = result.stdout.decode("utf-8", "replace").strip()
    prefix = "system default destination:"
    if not text.startswith(prefix):
        return None
    return text[len(prefix) :].strip() or None


def media_of(pdf: bytes) -> str | None:
    """The CUPS media name for the PDF's first page: Letter, A4, or a custom size in inches."""
    found = _MEDIA_BOX.search(pdf)
    if found is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in found.groups())
    width, height = abs(x1 - x0), abs(y1 - y0)
    named = _NAMED_MEDIA.get((round(width), round(height)))
    if named:
        return named
    return f"Custom.{width / 72:.4g}x{height / 72:.4g}in"


def send_to_printer(
    pdf: bytes,
    printer: str,
    *,
    title: str = DEFAULT_TITLE,
    copies: int = 1,
    media: str | None = None,
    server: str | None = None,
) -> str:
    """Queue a PDF on a CUPS printer with `lp -d PRINTER -t TITLE`; returns the job id.

    The job asks for paper of the document's own size (`media`, by default read from the
    PDF), so the printer does not scale it to its default paper and resize the barcodes.
    """
    if not pdf.startswith(b"%PDF-"):
        raise PrintJobFailed("only a PDF can be sent to the printer")
    if not printer or _BAD_NAME.search(printer):
        raise PrinterNotFound(f"{printer!r} is not a printer name")
    if copies < 1:
        raise PrintJobFailed(f"copies must be at least 1, got {copies}")
    _require_scheduler(server)
    available = list_printers(server=server)
    if printer not in available:
        known = ", ".join(available) if available else "none are set up"
        raise PrinterNotFound(f"no printer named {printer!r} in CUPS (printers: {known})")
    clean_title = " ".join(title.split()) or DEFAULT_TITLE
    args = [LP, "-d", printer, "-t", clean_title, "-n", str(copies)]
    paper = media or media_of(pdf)
    if paper:
        args += ["-o", f"media={paper}"]
    result = _run(args, server=server, data=pdf)
    if result.returncode != 0:
        raise PrintJobFailed(f"CUPS refused the job for {printer!r}: {_words(result)}")
    match = _JOB_ID.search(result.stdout.decode("utf-8", "replace"))
    if match is None:
        raise PrintJobFailed(f"CUPS did not return a job id: {_words(result)}")
    return match.group(1)
