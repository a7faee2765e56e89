"""A private CUPS scheduler with a CUPS-PDF queue for the test session.

Starts Debian's `cupsd` in the foreground on a Unix socket in a temporary directory (its own
cupsd.conf and cups-files.conf; nothing in /etc/cups is touched), adds the queue `PDF-TEST`
with the CUPS-PDF backend and points $CUPS_SERVER at it for the session. CUPS-PDF writes each
job to the directory named by `Out` in /etc/cups/cups-pdf.conf (Debian: ${HOME}/PDF of the
user who printed); `wait_for_pdf` finds a job's file there by its unique title, and the files
this session printed are removed when it stops.

The CUPS-PDF backend runs only as root, so without root (or without the packages: cups,
cups-client, printer-driver-cups-pdf) the fixture skips, unless SHOPFLOOR_REQUIRE_CUPS=1.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

QUEUE = "PDF-TEST"
CUPSD = "/usr/sbin/cupsd"
LPADMIN = "/usr/sbin/lpadmin"
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
CUPS_PDF_CONF = Path("/etc/cups/cups-pdf.conf")
REQUIRE_CUPS = os.environ.get("SHOPFLOOR_REQUIRE_CUPS") == "1"
START_TIMEOUT = 20.0


class CupsUnavailable(Exception):
    """This machine cannot run the private scheduler (the reason says why)."""


@dataclass
class CupsServer:
    root: Path
    socket: Path
    queue: str
    output_dir: Path
    process: subprocess.Popen[bytes]
    prefix: str = field(default_factory=lambda: f"sftest-{uuid.uuid4().hex[:8]}")
    _titles: list[str] = field(default_factory=list)
    _made_output_dir: bool = False

    @property
    def server(self) -> str:
        """The value for $CUPS_SERVER (or `lp -h`)."""
        return str(self.socket)

    def new_title(self, name: str = "job") -> str:
        """A job title no other job has, so its CUPS-PDF file can be found."""
        title = f"{self.prefix}-{name}-{len(self._titles) + 1}"
        self._titles.append(title)
        return title

    def error_log(self) -> str:
        log = self.root / "log" / "error_log"
        return log.read_text(errors="replace") if log.exists() else ""

    def wait_for_pdf(self, title: str, timeout: float = 60.0) -> Path:
        """The finished PDF CUPS-PDF wrote for the job titled `title`, polled up to `timeout` s."""
        stem = re.sub(r"[^A-Za-z0-9_-]", "_", title)
        deadline = time.monotonic() + timeout
        last_size = -1
        while time.monotonic() < deadline:
            found = sorted(self.output_dir.glob(f"{stem}*.pdf"))
            if found:
                path = found[0]
                data = path.read_bytes()
                if data.rstrip().endswith(b"%%EOF") and len(data) == last_size:
                    return path
                last_size = len(data)
            time.sleep(0.1)
        raise TimeoutError(
            f"no PDF for job {title!r} in {self.output_dir} after {timeout:.0f} s\n"
            + self.error_log()[-2000:]
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.output_dir.is_dir():
            for path in self.output_dir.glob(f"{self.prefix}*"):
                path.unlink(missing_ok=True)
            if self._made_output_dir and not any(self.output_dir.iterdir()):
                self.output_dir.rmdir()
        shutil.rmtree(self.root, ignore_errors=True)


def cups_pdf_output_dir() -> Path:
    """Where CUPS-PDF puts jobs printed by the current user (its `Out` setting, expanded)."""
    out = "${HOME}/PDF"
    if CUPS_PDF_CONF.exists():
        for line in CUPS_PDF_CONF.read_text(errors="replace").splitlines():
            parts = line.strip().split(None, 1)
            if len(parts) == 2 and parts[0] == "Out":
                out = parts[1].strip()
    user = pwd.getpwuid(os.geteuid())
    return Path(out.replace("${HOME}", user.pw_dir).replace("${USER}", user.pw_name))


def _check_installed() -> None:
    missing = [
        str(p)
        for p in (Path(CUPSD), Path(LPADMIN), CUPS_PDF_BACKEND, CUPS_PDF_PPD)
        if not p.exists()
    ]
    if missing or shutil.which("lp") is None or shutil.which("lpstat") is None:
        raise CupsUnavailable(
            "CUPS is not installed here (apt-get install cups cups-client "
            f"printer-driver-cups-pdf); missing: {', '.join(missing) or 'lp, lpstat'}"
        )
    if os.geteuid() != 0:
        raise CupsUnavailable("the CUPS-PDF backend runs only under a root scheduler")


def _write_config(root: Path, socket: Path) -> tuple[Path, Path]:
    for sub in ("etc/ppd", "spool/tmp", "cache", "state/certs", "log"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755)
    cupsd_conf = root / "etc" / "cupsd.conf"
    cupsd_conf.write_text(
        f"""Listen {socket}
LogLevel warn
MaxLogSize 0
Browsing No
BrowseLocalProtocols none
DefaultAuthType None
WebInterface No
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""
    )
    files_conf = root / "etc" / "cups-files.conf"
    files_conf.write_text(
        f"""ServerRoot {root}/etc
RequestRoot {root}/spool
TempDir {root}/spool/tmp
CacheDir {root}/cache
StateDir {root}/state
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
ServerBin /usr/lib/cups
DataDir /usr/share/cups
Sandboxing Relaxed
"""
    )
    return cupsd_conf, files_conf


def _client(args: list[str], socket: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CUPS_SERVER=str(socket), LC_ALL="C", LANG="C")
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=30, check=False)


def start(queue: str = QUEUE) -> CupsServer:
    """Start the scheduler and add the CUPS-PDF queue, or raise CupsUnavailable."""
    _check_installed()
    root = Path(tempfile.mkdtemp(prefix="shopfloor-cups-"))
    socket = root / "cups.sock"
    cupsd_conf, files_conf = _write_config(root, socket)
    process = subprocess.Popen(
        [CUPSD, "-f", "-c", str(cupsd_conf), "-s", str(files_conf)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    output_dir = cups_pdf_output_dir()
    server = CupsServer(
        root, socket, queue, output_dir, process, _made_output_dir=not output_dir.exists()
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "scheduler is running" not in _client(["lpstat", "-r"], socket).stdout:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("cupsd did not start:\n" + server.error_log()[-2000:])
            time.sleep(0.05)
        added = _client(
            [LPADMIN, "-p", queue, "-v", "cups-pdf:/", "-E", "-P", str(CUPS_PDF_PPD)], socket
        )
        if added.returncode != 0:
            raise RuntimeError(f"lpadmin could not add {queue}: {added.stderr.strip()}")
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def cups_server() -> Iterator[CupsServer]:
    """The private scheduler, with $CUPS_SERVER pointing at it until the session ends."""
    try:
        server = start()
    except CupsUnavailable as exc:
        if REQUIRE_CUPS:
            pytest.fail(f"SHOPFLOOR_REQUIRE_CUPS=1 but {exc}")
        pytest.skip(str(exc))
    previous = os.environ.get("CUPS_SERVER")
    os.environ["CUPS_SERVER"] = server.server
    try:
        yield server
    finally:
        if previous is None:
            os.environ.pop("CUPS_SERVER", None)
        else:
            os.environ["CUPS_SERVER"] = previous
        server.stop()
