"""The vendored htmx is the file its README records, and the one the pages load."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tests.conftest import ROOT

VENDOR = ROOT / "app" / "static" / "vendor"
ROW = re.compile(r"^\|\s*`(?P<file>[^`]+)`\s*\|[^|]*\|\s*(?P<version>[^|\s]+)\s*\|"
                 r"\s*`(?P<sha256>[0-9a-f]{64})`\s*\|\s*$", re.MULTILINE)


def _recorded() -> dict[str, dict[str, str]]:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    return {m["file"]: m.groupdict() for m in ROW.finditer(readme)}


def _htmx_files() -> list[Path]:
    return sorted(VENDOR.glob("htmx-*.js"))


def test_one_htmx_file_is_vendored():
    files = _htmx_files()
    assert len(files) == 1, f"expected exactly one pinned htmx in {VENDOR}, found {files}"


def test_every_vendored_file_matches_its_recorded_checksum():
    recorded = _recorded()
    on_disk = {p.name for p in VENDOR.iterdir() if p.is_file() and p.name != "README.md"}
    assert on_disk == set(recorded), (
        f"vendor/README.md and the folder disagree: only on disk {on_disk - set(recorded)}, "
        f"only in the README {set(recorded) - on_disk}")
    for name, row in recorded.items():
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert digest == row["sha256"], f"{name}: sha256 {digest}, README says {row['sha256']}"


def test_htmx_version_in_name_readme_and_file_agree():
    (path,) = _htmx_files()
    version = re.fullmatch(r"htmx-(\d+\.\d+\.\d+)\.min\.js", path.name)
    assert version, f"{path.name} should be named htmx-<version>.min.js"
    assert _recorded()[path.name]["version"] == version[1]
    source = path.read_text(encoding="utf-8")
    assert re.search(r"""version\s*:\s*["']""" + re.escape(version[1]) + "[\"']", source), (
        f"{path.name} does not declare version {version[1]} inside")


def test_base_template_loads_the_vendored_htmx(client):
    (path,) = _htmx_files()
    template = (ROOT / "app" / "templates" / "base.html").read_text(encoding="utf-8")
    assert f"vendor/{path.name}" in template, f"base.html does not load vendor/{path.name}"

    page = client.get("/").get_data(as_text=True)
    assert f'src="/static/vendor/{path.name}"' in page
    served = client.get(f"/static/vendor/{path.name}")
    assert served.status_code == 200
    assert served.data == path.read_bytes()
    served.close()


def test_the_scanner_page_names_the_vendored_qr_decoder():
    files = sorted(VENDOR.glob("jsqr-*.js"))
    assert len(files) == 1, f"expected exactly one pinned jsQR in {VENDOR}, found {files}"
    version = re.fullmatch(r"jsqr-(\d+\.\d+\.\d+)\.js", files[0].name)
    assert version and _recorded()[files[0].name]["version"] == version[1]
    template = (ROOT / "app" / "templates" / "checkin" / "scanner.html").read_text("utf-8")
    assert f"vendor/{files[0].name}" in template, f"scanner.html does not name {files[0].name}"
