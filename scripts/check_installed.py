"""Check Shopfloor as a user installs it: the `shopfloor` program of a virtualenv that holds
only the built wheel, run from a directory outside the checkout.

    python scripts/check_installed.py /path/to/venv/bin/shopfloor

Creates the demo plant, prints one document of every kind to a PDF and decodes its barcodes,
and runs the self-test. The program under test comes from the virtualenv alone; this script
only reads what it wrote (with pypdfium2 and zxing-cpp from the test extras of the
interpreter running it). Exits 1 naming the first thing that failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

DPI = 150


def run(program: Path, *args: str, cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run the installed program with --json; its one line of JSON, or fail."""
    argv = [str(program), *args]
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(
            f"FAILED: {' '.join(argv)}\nexit {done.returncode}\n{done.stdout}{done.stderr}"
        )
    out: dict[str, Any] = json.loads(done.stdout.splitlines()[-1]) if done.stdout else {}
    return out


def barcodes(pdf: Path) -> set[str]:
    """The text of every barcode on every page, rendered at DPI."""
    import pypdfium2
    import zxingcpp

    found: set[str] = set()
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        for index in range(len(document)):
            image = document[index].render(scale=DPI / 72).to_pil().convert("L")
            found.update(code.text for code in zxingcpp.read_barcodes(image))
    finally:
        document.close()
    return found


def main() -> int:
    program = Path(sys.argv[1]).resolve()
    if not program.is_file():
        raise SystemExit(f"FAILED: {program} is not an installed shopfloor program")
    checkout = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="shopfloor-installed-") as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SHOPFLOOR_DB")}
        env.update(HOME=str(work), QT_QPA_PLATFORM="offscreen", PYTHONNOUSERSITE="1")
        db = work / "plant.db"

        def shopfloor(*args: str) -> dict[str, Any]:
            return run(program, "--db", str(db), "--json", *args, cwd=work, env=env)

        where = subprocess.run(
            [str(program.with_name("python")), "-I", "-c", "import app; print(app.__file__)"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if Path(where).resolve().is_relative_to(checkout):
            raise SystemExit(f"FAILED: the package is imported from the checkout ({where})")
        print(f"package: {where}")

        shopfloor("init", "--demo")
        work_orders = shopfloor("wo", "list")["work_orders"]
        built = next(w for w in work_orders if Decimal(w["built"]) > 0)
        sales = shopfloor("so", "list")["sales_orders"]
        to_pick = next(s for s in sales if s["status"] == "pending_fulfillment")
        fulfillment = shopfloor("fulfillment", "list")["fulfillments"][0]
        documents = {
            "traveler": (("traveler", built["number"]), built["number"]),
            "picking ticket": (("picking-ticket", to_pick["number"]), to_pick["number"]),
            "packing slip": (("packing-slip", fulfillment["number"]), fulfillment["number"]),
            "item labels": (("labels", "--item", "FRAME-AL-M"), "FRAME-AL-M"),
            "finished-goods labels": (("labels", "--wo", built["number"]), built["item"]),
        }
        for name, (args, expected) in documents.items():
            pdf = work / (name.replace(" ", "-") + ".pdf")
            printed = shopfloor("print", *args, "--out", str(pdf))
            codes = barcodes(pdf)
            if expected not in codes:
                raise SystemExit(
                    f"FAILED: the {name} ({printed['pages']} pages) has no barcode "
                    f"{expected!r}; decoded {sorted(codes)}"
                )
            print(f"{name}: {pdf.stat().st_size:,} bytes, {len(codes)} barcodes, {expected} read")
        check = shopfloor("check")
        if not check.get("ok", False):
            raise SystemExit(f"FAILED: check after the demo: {check}")
        selftest = subprocess.run(
            [str(program), "--self-test"], cwd=work, env=env, capture_output=True, text=True
        )
        if selftest.returncode != 0:
            raise SystemExit(f"FAILED: --self-test\n{selftest.stdout}{selftest.stderr}")
        print(
            selftest.stdout.strip().splitlines()[-1] if selftest.stdout.strip() else "self-test ok"
        )
    print("installed package: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
