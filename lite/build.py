"""Build the whole course as a static JupyterLite site that runs in a browser with no install.

``make site`` runs ``python -m lite.build``: it writes ``_site/``, a folder any static web
host can serve (or ``python -m http.server`` on a laptop), in which every chapter, exercise
and the dashboard run in the browser's Python (Pyodide). Everything in it comes from the
package registries at the versions in ``lite/pins.toml``, the one file that pins the site:

* the Pyodide core (interpreter, standard library) from the npm registry, fetched over
  HTTPS by this module and checked against the pinned sha512 (no ``npm`` needed);
* pure-Python wheels from PyPI (``pip download``), each checked against its pinned sha256,
  and minichain's own wheel built from this checkout;
* a local ``pyodide-lock.json`` that lists exactly those wheels, so the kernel loads them
  from the site itself and never asks a CDN;
* the notebooks of ``notebooks/`` and ``exercises/`` (all of them, found by glob) with
  their committed outputs, and the exercise solutions.

Downloads are cached in ``.cache/site/`` (git ignores it), so a rebuild needs no network.
``python -m lite.build --pin`` resolves the browser wheels again and rewrites the pins
(run it to move to newer versions, then rebuild and run the browser test).
"""

from __future__ import annotations

import argparse
import base64
import email.parser
import hashlib
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "lite" / "pins.toml"
CACHE = ROOT / ".cache" / "site"
OUTPUT = ROOT / "_site"
STAMP = "minichain-site.json"          # written into the output: what it was built from

NPM_REGISTRY = "https://registry.npmjs.org"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"
# the Pyodide core files the kernel loads (the npm package also has docs, types, consoles)
PYODIDE_CORE = ("pyodide.mjs", "pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm",
                "python_stdlib.zip", "package.json")
# what the browser kernel itself imports at start (besides the course), see the kernel's worker
KERNEL_PACKAGES = ("micropip", "packaging", "piplite", "ipykernel", "comm", "pyodide-kernel",
                   "jedi", "ipython", "widgetsnbextension")
# folders whose notebooks go into the site, with what else of theirs goes along
CONTENT = {"notebooks": ("*.ipynb",), "exercises": ("*.ipynb", "solutions/*.py")}
PIP_TARGET = ("--only-binary=:all:", "--implementation", "py", "--abi", "none",
              "--platform", "any")


class SiteBuildError(Exception):
    """The site cannot be built as pinned; the message says what to do."""


class Unreachable(SiteBuildError):
    """A download was needed and the registry could not be reached (no network here)."""


NETWORK_TROUBLE = ("NewConnectionError", "Temporary failure in name resolution",
                   "Max retries exceeded", "Network is unreachable", "Could not fetch URL")


@dataclass(frozen=True)
class Wheel:
    """One pinned pure-Python wheel from PyPI."""
    name: str
    version: str
    sha256: str


@dataclass(frozen=True)
class Pins:
    """Everything ``lite/pins.toml`` fixes."""
    pyodide_version: str
    pyodide_integrity: str
    build_tools: dict[str, str]
    roots: tuple[str, ...]
    wheels: tuple[Wheel, ...]


def canonical(name: str) -> str:
    """A package name as the lock and the kernel's package list spell it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def load_pins(path: Path = PINS) -> Pins:
    data = tomllib.loads(path.read_text())
    return Pins(
        pyodide_version=data["pyodide"]["version"],
        pyodide_integrity=data["pyodide"]["integrity"],
        build_tools=dict(data["build"]),
        roots=tuple(data["browser"]["roots"]),
        wheels=tuple(Wheel(canonical(name), pin["version"], pin["sha256"])
                     for name, pin in sorted(data.get("wheels", {}).items())),
    )


# ---------------------------------------------------------------- the build tools as pinned


def check_build_tools(pins: Pins) -> None:
    """The installed JupyterLite must be the pinned one, and expect the pinned Pyodide."""
    wrong = []
    for name, version in sorted(pins.build_tools.items()):
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            wrong.append(f"{name} {installed} (pinned {version})")
    if wrong:
        raise SiteBuildError(
            "the site's build tools differ from lite/pins.toml: " + ", ".join(wrong) +
            ". Install them with: .venv/bin/python -m pip install -e '.[site]'")
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION
    if PYODIDE_VERSION != pins.pyodide_version:
        raise SiteBuildError(
            f"jupyterlite-pyodide-kernel expects Pyodide {PYODIDE_VERSION} but lite/pins.toml "
            f"pins {pins.pyodide_version}: run `python -m lite.build --pin`")


# ---------------------------------------------------------------- downloads, checked


def npm_integrity(data: bytes) -> str:
    """The npm registry's ``dist.integrity`` of a tarball (SRI: sha512, base64)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch_pyodide(pins: Pins, cache: Path) -> tuple[Path, bool]:
    """The npm ``pyodide`` tarball, from the cache or the registry; checked. (path, downloaded)."""
    name = f"pyodide-{pins.pyodide_version}.tgz"
    path = cache / name
    if path.exists() and npm_integrity(path.read_bytes()) == pins.pyodide_integrity:
        return path, False
    url = f"{NPM_REGISTRY}/pyodide/-/{name}"
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
    except OSError as error:                 # URLError and timeouts are OSErrors
        raise Unreachable(f"{url} could not be fetched ({error}) and {path} is not cached")
    if npm_integrity(data) != pins.pyodide_integrity:
        raise SiteBuildError(f"{url} does not match the integrity pinned in lite/pins.toml "
                             f"({npm_integrity(data)} != {pins.pyodide_integrity})")
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path, True


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheel_name(path: Path) -> tuple[str, str]:
    """(canonical name, version) from a wheel's file name."""
    name, version = path.name.split("-")[:2]
    return canonical(name), version


def fetch_wheels(pins: Pins, cache: Path) -> tuple[list[Path], bool]:
    """The pinned wheels, from the cache or PyPI (``pip download``); each checked by sha256."""
    folder = cache / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    have = {wheel_name(path): path for path in folder.glob("*.whl")}
    missing = [w for w in pins.wheels if (w.name, w.version) not in have
               or sha256_of(have[w.name, w.version]) != w.sha256]
    if missing:
        pip_download(folder, [f"{w.name}=={w.version}" for w in missing], deps=False)
        have = {wheel_name(path): path for path in folder.glob("*.whl")}
    paths = []
    for pin in pins.wheels:
        path = have.get((pin.name, pin.version))
        if path is None:
            raise SiteBuildError(f"PyPI gave no pure-Python wheel for {pin.name}=={pin.version}")
        if sha256_of(path) != pin.sha256:
            path.unlink()
            raise SiteBuildError(f"{path.name} does not match the sha256 pinned in lite/pins.toml")
        paths.append(path)
    return paths, bool(missing)


def pip_download(folder: Path, requirements: list[str], deps: bool) -> None:
    """Pure-Python wheels for the browser's Python, as pip resolves them for CPython 3.14."""
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(folder),
               *PIP_TARGET, "--python-version", browser_python(), *requirements]
    if not deps:
        command.insert(4, "--no-deps")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 and any(sign in result.stderr for sign in NETWORK_TROUBLE):
        raise Unreachable(f"PyPI could not be reached for {requirements[:3]}...")
    if result.returncode != 0:
        raise SiteBuildError(f"pip download failed:\n{result.stderr[-3000:]}")


def browser_python() -> str:
    from jupyterlite_pyodide_kernel.constants import PYODIDE_PYTHON_VERSION
    return PYODIDE_PYTHON_VERSION


OWN_SOURCES = ("pyproject.toml", "README.md", "minichain")


def build_own_wheel(folder: Path) -> Path:
    """minichain's wheel, built from this checkout (the course's library as the kernel sees it).

    It is built from a fresh copy of the sources, so nothing left over in a ``build/``
    folder (a module since removed, say) can slip into it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("minichain-*.whl"):
        old.unlink()
    source = folder / "source"
    if source.exists():
        shutil.rmtree(source)
    source.mkdir()
    for name in OWN_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    # the build backend comes with the `site` extra: no download, so a rebuild works offline
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                             "--no-build-isolation", "--wheel-dir", str(folder), str(source)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SiteBuildError(f"building minichain's wheel failed:\n{result.stderr[-3000:]}")
    (wheel,) = folder.glob("minichain-*.whl")
    return wheel


def kernel_wheel(pins: Pins, cache: Path) -> Path:
    """jupyterlite-pyodide-kernel's own wheel: its lab extension and its shim wheels."""
    version = pins.build_tools["jupyterlite-pyodide-kernel"]
    folder = cache / "build-tools"
    folder.mkdir(parents=True, exist_ok=True)
    found = sorted(folder.glob(f"jupyterlite_pyodide_kernel-{version}-*.whl"))
    if not found:
        pip_download(folder, [f"jupyterlite-pyodide-kernel=={version}"], deps=False)
        found = sorted(folder.glob(f"jupyterlite_pyodide_kernel-{version}-*.whl"))
    return found[0]


def shim_wheels(kernel: Path, folder: Path) -> list[Path]:
    """The kernel's own small wheels (pyodide-kernel, piplite, the ipykernel and widget shims)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with zipfile.ZipFile(kernel) as archive:
        for member in archive.namelist():
            if f"{KERNEL_EXTENSION}/static/pypi/" in member and member.endswith(".whl"):
                path = folder / Path(member).name
                path.write_bytes(archive.read(member))
                paths.append(path)
    # two widgetsnbextension shims ship (for ipywidgets 7 and 8); the course uses ipywidgets 8
    newest = {}
    for path in sorted(paths):
        newest[wheel_name(path)[0]] = path
    return sorted(newest.values())


# ---------------------------------------------------------------- the local lock


def browser_environment(python_full_version: str) -> dict[str, str]:
    """PEP 508 marker values of the browser's Python (Pyodide on Emscripten)."""
    return {"sys_platform": "emscripten", "platform_system": "Emscripten", "os_name": "posix",
            "platform_machine": "wasm32", "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "python_version": ".".join(python_full_version.split(".")[:2]),
            "python_full_version": python_full_version, "extra": ""}


def wheel_metadata(path: Path) -> email.message.Message:
    with zipfile.ZipFile(path) as archive:
        (name,) = [n for n in archive.namelist()
                   if n.count("/") == 1 and n.split("/")[0].endswith(".dist-info")
                   and n.endswith("/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def wheel_requirements(path: Path, environment: dict[str, str]) -> list[str]:
    """Canonical names of what a wheel needs in the browser (markers evaluated there)."""
    from packaging.requirements import Requirement
    needed = []
    for line in wheel_metadata(path).get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            needed.append(canonical(requirement.name))
    return sorted(set(needed))


def wheel_imports(path: Path) -> list[str]:
    """Top-level import names a wheel provides (what Pyodide's lock calls ``imports``)."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        top_level = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        if top_level:
            listed = archive.read(top_level[0]).decode().split()
            return sorted({name.split("/")[0] for name in listed if name})
    found = set()
    for name in names:
        first = name.split("/")[0]
        if first.endswith((".dist-info", ".data")):
            continue
        if "/" in name and name.split("/")[1] == "__init__.py":
            found.add(first)
        elif "/" not in name and name.endswith(".py"):
            found.add(name[:-3])
        elif "/" in name and name.endswith(".py"):
            found.add(first)           # a namespace package
    return sorted(found)


def lock_entry(path: Path, environment: dict[str, str]) -> dict:
    name, version = wheel_name(path)
    return {"name": name, "version": version, "file_name": path.name, "install_dir": "site",
            "sha256": sha256_of(path), "package_type": "package",
            "imports": wheel_imports(path), "depends": wheel_requirements(path, environment),
            "unvendored_tests": False, "shared_library": False}


def write_lock(core_lock: dict, wheels: list[Path], destination: Path) -> dict:
    """A ``pyodide-lock.json`` listing exactly the wheels the site serves, with their hashes."""
    environment = browser_environment(core_lock["info"]["python"])
    packages = {}
    for path in sorted(wheels):
        entry = lock_entry(path, environment)
        packages[entry["name"]] = entry
    missing = sorted({f"{entry['name']} needs {dep}" for entry in packages.values()
                      for dep in entry["depends"] if dep not in packages})
    if missing:
        raise SiteBuildError("the browser wheels are incomplete (" + "; ".join(missing) +
                             "): run `python -m lite.build --pin`")
    lock = {"info": core_lock["info"], "packages": packages}
    destination.write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    return lock


# ---------------------------------------------------------------- the site


def content_files() -> list[Path]:
    """Every notebook of the course (chapters, dashboard, exercises) and the solutions."""
    files = []
    for folder, patterns in CONTENT.items():
        for pattern in patterns:
            files.extend(sorted((ROOT / folder).glob(pattern)))
    return files


def stage(pins: Pins, cache: Path, tarball: Path, wheels: list[Path], own: Path,
          kernel: Path) -> Path:
    """The folder ``jupyter lite build`` reads: Pyodide with its lock and wheels, the course."""
    lite_dir = cache / "stage"
    if lite_dir.exists():
        shutil.rmtree(lite_dir)
    pyodide = lite_dir / "static" / "pyodide"
    pyodide.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            if name in PYODIDE_CORE or name == "pyodide-lock.json":
                (pyodide / name).write_bytes(archive.extractfile(member).read())
    core_lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    shims = shim_wheels(kernel, cache / "shims")
    served = [*wheels, own, *shims]
    for path in served:
        shutil.copy2(path, pyodide / path.name)
    lock = write_lock(core_lock, served, pyodide / "pyodide-lock.json")

    files = lite_dir / "files"
    for path in content_files():
        target = files / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)

    plotly, widgets = (wheel_of(wheels, name) for name in ("plotly", "jupyterlab-widgets"))
    config = {"LiteBuildConfig": {
        "contents": ["files"],
        "no_sourcemaps": True,
        "no_unused_shared_packages": True,
        # lab extensions come from the pinned wheels, never from whatever the venv holds
        "ignore_sys_prefix": ["federated_extensions"],
        "federated_extensions": [str(kernel), str(plotly), str(widgets)],
    }}
    (lite_dir / "jupyter_lite_config.json").write_text(json.dumps(config, indent=1))
    # load the kernel's and the course's packages while the kernel starts, not at the first
    # import: the wheels are local, and Run All then spends its time on the chapter itself
    preload = sorted(lock_closure(lock, [*KERNEL_PACKAGES, *root_names(pins)]))
    settings = {"disablePyPIFallback": True, "loadPyodideOptions": {"packages": preload}}
    lite = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "appName": "minichain: Sunny Street",
        "litePluginSettings": {KERNEL_PLUGIN: settings}}}
    (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite, indent=1))
    return lite_dir


def root_names(pins: Pins) -> list[str]:
    """The canonical names of the pinned roots (``"jsonschema==4.17.3"`` -> ``jsonschema``)."""
    from packaging.requirements import Requirement
    return [canonical(Requirement(root).name) for root in pins.roots]


def wheel_of(wheels: list[Path], name: str) -> Path:
    (path,) = [p for p in wheels if wheel_name(p)[0] == name]
    return path


def lock_closure(lock: dict, names: list[str]) -> set[str]:
    """A package and everything it depends on, by the lock."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(lock["packages"][name]["depends"])
    return seen


def inputs_digest(pins_path: Path = PINS) -> str:
    """What the site is built from: pins, builder, library, notebooks. Same digest, same site."""
    digest = hashlib.sha256()
    sources = [pins_path, Path(__file__), ROOT / "pyproject.toml",
               *sorted((ROOT / "minichain").rglob("*.py")),
               *sorted((ROOT / "minichain").rglob("*.json")), *content_files()]
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_current(output: Path = OUTPUT) -> bool:
    """Whether ``output`` holds a site built from exactly the present inputs."""
    stamp = output / STAMP
    try:
        return json.loads(stamp.read_text())["inputs"] == inputs_digest()
    except (OSError, ValueError, KeyError):
        return False


@dataclass(frozen=True)
class Built:
    """What a build made and what it cost."""
    output: Path
    seconds: float
    downloaded: bool       # False: everything came from the cache
    size_bytes: int
    files: int


def build(output: Path = OUTPUT, cache: Path = CACHE, pins_path: Path = PINS) -> Built:
    """Build the site into ``output`` (replaced) from the pins; downloads only what is not cached."""
    start = time.perf_counter()
    pins = load_pins(pins_path)
    check_build_tools(pins)
    tarball, got_core = fetch_pyodide(pins, cache)
    wheels, got_wheels = fetch_wheels(pins, cache)
    kernel = kernel_wheel(pins, cache)
    own = build_own_wheel(cache / "own")
    lite_dir = stage(pins, cache, tarball, wheels, own, kernel)
    if output.exists():
        shutil.rmtree(output)
    result = subprocess.run(
        [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir),
         "--output-dir", str(output)], cwd=lite_dir, capture_output=True, text=True)
    if result.returncode != 0:
        raise SiteBuildError(f"jupyter lite build failed:\n{result.stdout[-3000:]}\n"
                             f"{result.stderr[-3000:]}")
    stamp = {"inputs": inputs_digest(pins_path), "pyodide": pins.pyodide_version,
             "wheels": {w.name: w.version for w in pins.wheels}}
    (output / STAMP).write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n")
    files = [p for p in output.rglob("*") if p.is_file()]
    return Built(output, time.perf_counter() - start, got_core or got_wheels,
                 sum(p.stat().st_size for p in files), len(files))


# ---------------------------------------------------------------- re-pinning


def pin(pins_path: Path = PINS) -> None:
    """Resolve the browser wheels again (newest that fit) and rewrite the pins file."""
    old = load_pins(pins_path)
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION
    with urllib.request.urlopen(f"{NPM_REGISTRY}/pyodide/{PYODIDE_VERSION}", timeout=60) as r:
        integrity = json.load(r)["dist"]["integrity"]
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        own = build_own_wheel(folder / "own")
        core = {"info": {"python": f"{browser_python()}.0"}}
        environment = browser_environment(core["info"]["python"])
        roots = [r for r, name in zip(old.roots, root_names(old)) if name != "minichain"]
        needs = wheel_requirements(own, environment)
        pip_download(folder, [*roots, *needs], deps=True)
        # the kernel ships its own small wheels for these: never pin PyPI's
        shims = {wheel_name(p)[0] for p in shim_wheels(kernel_wheel(old, CACHE), folder / "shims")}
        found = {wheel_name(p)[0]: p for p in folder.glob("*.whl")}
        # keep only what the browser needs: pip evaluated markers for Linux, not Emscripten
        keep, todo = set(), [*needs, *(n for n in root_names(old) if n != "minichain")]
        while todo:
            name = todo.pop()
            if name in keep or name in shims:
                continue
            if name not in found:
                raise SiteBuildError(f"no pure-Python wheel of {name} for the browser")
            keep.add(name)
            todo.extend(wheel_requirements(found[name], environment))
        pinned = {name: (wheel_name(found[name])[1], sha256_of(found[name])) for name in keep}
    text = pins_path.read_text()
    head = text.split("\n[wheels]\n")[0] + "\n"
    head = re.sub(r'(?m)^version = ".*"$', f'version = "{PYODIDE_VERSION}"', head, count=1)
    head = re.sub(r'(?m)^integrity = ".*"$', f'integrity = "{integrity}"', head, count=1)
    lines = [f'{name} = {{ version = "{version}", sha256 = "{sha}" }}'
             for name, (version, sha) in sorted(pinned.items())]
    pins_path.write_text(head + "[wheels]\n" + "\n".join(lines) + "\n")
    print(f"pinned Pyodide {PYODIDE_VERSION} and {len(lines)} wheels in {pins_path}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lite.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the site")
    parser.add_argument("--pin", action="store_true",
                        help="resolve the browser wheels again and rewrite lite/pins.toml")
    args = parser.parse_args(argv)
    try:
        if args.pin:
            pin()
            return
        built = build(args.output)
    except SiteBuildError as error:
        sys.exit(f"make site: {error}")
    print(f"built {built.output} in {built.seconds:.1f} s "
          f"({'downloads fetched' if built.downloaded else 'all downloads from the cache'}): "
          f"{built.files} files, {built.size_bytes / 1e6:.1f} MB. Serve it with "
          f"`python -m http.server --directory {built.output.name}` and open "
          f"http://127.0.0.1:8000/lab/index.html?path=notebooks/00_welcome.ipynb")


if __name__ == "__main__":
    main()
