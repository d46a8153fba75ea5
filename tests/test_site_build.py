"""The classroom site's builder keeps its promises before any browser opens it.

One file pins the site (``lite/pins.toml``) and the ``site`` extra installs the same build
tools; the local lock lists a wheel's needs as the browser's Python sees them (Emscripten
markers), and refuses a lock that misses one; downloads are checked against the pins;
every notebook of the course is picked up by glob. ``tests/test_browser_site.py`` builds
the real site and opens it.
"""

import base64
import hashlib
import json
import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest
from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION
from packaging.requirements import Requirement

from lite import build

ROOT = Path(__file__).resolve().parent.parent
BROWSER = build.browser_environment("3.14.2")


def test_the_site_extra_installs_exactly_the_pinned_build_tools():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    pinned = {Requirement(r).name: str(Requirement(r).specifier).removeprefix("==")
              for r in extras["site"] if str(Requirement(r).specifier).startswith("==")}
    assert pinned == build.load_pins().build_tools
    # and the backend that builds minichain's own wheel, as the project's build asks for it
    backend = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    assert sorted(set(extras["site"]) - {f"{n}=={v}" for n, v in pinned.items()}) == backend
    assert "minichain[site]" in extras["test"]          # `make test` can build the site


def test_the_pinned_pyodide_is_the_one_the_kernel_expects():
    pins = build.load_pins()
    assert pins.pyodide_version == PYODIDE_VERSION
    assert pins.pyodide_integrity.startswith("sha512-")
    assert all(len(w.sha256) == 64 for w in pins.wheels)
    names = [w.name for w in pins.wheels]
    assert names == sorted(set(names)) and "minichain" not in names   # built, not pinned
    assert not {"numpy", "pandas", "jupyterlab", "gmpy2"} & set(names)


def test_an_npm_integrity_is_the_base64_sha512_of_the_tarball():
    data = b"pyodide"
    assert build.npm_integrity(data) == \
        "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def make_wheel(folder: Path, name: str, version: str, requires: list[str],
               files: dict[str, str]) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    metadata = "\n".join(["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
                          *(f"Requires-Dist: {r}" for r in requires)]) + "\n"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
        for file_name, text in files.items():
            archive.writestr(file_name, text)
    return path


def test_a_lock_entry_lists_what_the_wheel_needs_in_the_browser(tmp_path):
    wheel = make_wheel(tmp_path, "sunny", "1.0", [
        "six>=1.0", "jupyterlab>=4; sys_platform != 'emscripten'",
        "gmpy2; sys_platform != \"emscripten\"", "tomli; python_version < '3.11'",
        "pytest; extra == 'test'", "Typing_Extensions"],
        {"sunny/__init__.py": "", "sunny/meter.py": "", "solo.py": ""})
    entry = build.lock_entry(wheel, BROWSER)
    assert entry["depends"] == ["six", "typing-extensions"]
    assert entry["imports"] == ["solo", "sunny"]
    assert entry["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert (entry["name"], entry["version"], entry["file_name"]) == \
        ("sunny", "1.0", wheel.name)


def test_a_lock_that_misses_a_needed_wheel_is_refused(tmp_path):
    wheels = [make_wheel(tmp_path, "sunny", "1.0", ["six"], {"sunny/__init__.py": ""})]
    core = {"info": {"python": "3.14.2", "abi_version": "2026_0"}}
    with pytest.raises(build.SiteBuildError, match="sunny needs six"):
        build.write_lock(core, wheels, tmp_path / "pyodide-lock.json")
    wheels.append(make_wheel(tmp_path, "six", "1.17.0", [], {"six.py": ""}))
    lock = build.write_lock(core, wheels, tmp_path / "pyodide-lock.json")
    assert lock == json.loads((tmp_path / "pyodide-lock.json").read_text())
    assert lock["info"] == core["info"] and sorted(lock["packages"]) == ["six", "sunny"]
    assert build.lock_closure(lock, ["sunny"]) == {"sunny", "six"}


def test_minichain_needs_neither_jupyterlab_nor_gmpy2_in_the_browser():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"]
    in_browser = {build.canonical(Requirement(d).name) for d in dependencies
                  if Requirement(d).marker is None or Requirement(d).marker.evaluate(BROWSER)}
    assert in_browser == {"ecdsa", "networkx", "plotly", "ipywidgets", "tqdm"}
    pinned = {w.name for w in build.load_pins().wheels}
    assert in_browser <= pinned


def test_a_cached_wheel_that_differs_from_its_pin_is_fetched_again(tmp_path):
    pins = build.load_pins()
    wheel = pins.wheels[0]
    folder = tmp_path / "wheels"
    folder.mkdir()
    fake = folder / f"{wheel.name.replace('-', '_')}-{wheel.version}-py3-none-any.whl"
    fake.write_bytes(b"not the pinned wheel")
    broken = build.Pins(pins.pyodide_version, pins.pyodide_integrity, pins.build_tools,
                        pins.roots, (wheel,))
    # the cached file does not match its sha256: it is fetched again, and PyPI's file does
    paths, downloaded = build.fetch_wheels(broken, tmp_path)
    assert downloaded and build.sha256_of(paths[0]) == wheel.sha256


def test_every_notebook_of_the_course_goes_into_the_site_by_glob():
    files = {str(p.relative_to(ROOT)) for p in build.content_files()}
    for folder in ("notebooks", "exercises"):
        assert {str(p.relative_to(ROOT)) for p in (ROOT / folder).glob("*.ipynb")} <= files
    assert "notebooks/sunny_street_dashboard.ipynb" in files
    assert {str(p.relative_to(ROOT)) for p in (ROOT / "exercises/solutions").glob("*.py")} \
        <= files
    assert build.inputs_digest() == build.inputs_digest()


def test_the_sites_minichain_wheel_holds_exactly_the_checkouts_modules_and_data(tmp_path):
    stray = ROOT / "build" / "lib" / "minichain" / "removed_long_ago.py"   # a stale build
    made = next((p for p in reversed(stray.parents) if not p.exists()), None)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_text("")
    try:
        wheel = build.build_own_wheel(tmp_path)
    finally:
        stray.unlink()
        if made is not None:
            shutil.rmtree(made)
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if n.startswith("minichain/")}
    here = {str(p.relative_to(ROOT)) for pattern in ("*.py", "*.json", "*.vy")
            for p in (ROOT / "minichain").rglob(pattern) if "__pycache__" not in p.parts
            and "jupyter" not in p.parts}     # the dashboard's Voila template: the server's, not the kernel's
    assert shipped == here
    assert build.wheel_imports(wheel) == ["minichain"]
