"""The set-up stays honest: one source of truth for dependencies, two commands, CI runs the same."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_installs_the_project_with_its_test_extra_on_the_same_python():
    text = (ROOT / "environment.yml").read_text()
    python = re.search(r"^\s*-\s*python\s*(\S+)\s*$", text, re.M)
    assert python is not None, "environment.yml must pin python"
    assert python.group(1) == pyproject()["project"]["requires-python"]
    pip_lines = re.findall(r"^\s*-\s*(-e \.\S*|\.\S*)\s*$", text, re.M)
    assert pip_lines == ["-e .[test]"]
    assert "test" in pyproject()["project"]["optional-dependencies"]
    # every other conda dependency would be a second source of truth
    conda_deps = re.findall(r"^  - (\S+)", text.split("dependencies:")[1], re.M)
    assert conda_deps == ["python>=3.11", "pip", "pip:"]


def test_the_test_extra_brings_the_real_evm_toolchain_as_an_optional_extra():
    extras = pyproject()["project"]["optional-dependencies"]
    assert "minichain[evm]" in extras["test"]
    assert {re.split(r"[<>=;\s\[]", dep)[0] for dep in extras["evm"]} == {"vyper", "titanoboa"}


def test_runtime_dependencies_are_the_pure_python_set_the_blueprint_allows():
    names = {re.split(r"[<>=;\s\[]", dep)[0].lower() for dep in pyproject()["project"]["dependencies"]}
    assert names == {"ecdsa", "gmpy2", "networkx", "plotly", "ipywidgets", "jupyterlab", "tqdm"}
    gmpy2 = [d for d in pyproject()["project"]["dependencies"] if d.startswith("gmpy2")]
    assert gmpy2 == ["gmpy2>=2.1; sys_platform != 'emscripten'"]
    # the browser site is JupyterLite itself: a browser kernel neither has nor needs jupyterlab
    jupyterlab = [d for d in pyproject()["project"]["dependencies"] if d.startswith("jupyterlab")]
    assert jupyterlab == ["jupyterlab>=4.2; sys_platform != 'emscripten'"]


def test_readme_names_exactly_two_setup_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- setup -->\s*```(?:bash|sh)?\n(.*?)```", readme, re.S)
    assert block is not None, "README needs a fenced block after <!-- setup -->"
    commands = [line for line in block.group(1).splitlines() if line.strip()
                and not line.strip().startswith("#")]
    assert commands == ["make course", "make test"]
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert ci == ["make test"], "CI runs exactly the README's test command, nothing else"
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^course: ", makefile, re.M) and re.search(r"^test: ", makefile, re.M)
    assert "notebooks/00_welcome.ipynb" in makefile


def test_the_readme_start_section_names_no_third_command():
    readme = (ROOT / "README.md").read_text()
    start = readme.split("## Start", 1)[1].split("\n## ", 1)[0]
    assert "bash " not in start and "apt-get" not in start.replace("`make test`", ""), \
        "the first section lists only the two setup commands (the browser comes with make test)"
    conda = re.search(r"`(jupyter lab [^`]*)`", start)
    assert conda and "--ServerApp.root_dir=." in conda.group(1), \
        "the conda route serves the project root too, so the exercises are reachable"


def test_make_test_installs_the_browser_first_and_only_advises_when_it_cannot():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: \$\(READY\) browser", makefile, re.M)
    script = (ROOT / "tests" / "install_browser.sh").read_text()
    assert "apt-get install" in script and 'id -u)" = "0"' in script
    assert script.rstrip().endswith("exit 0"), "a missing browser never stops the other tests"


def test_the_fast_crypto_backend_is_an_optional_extra_the_tests_install():
    extras = pyproject()["project"]["optional-dependencies"]
    assert extras["fast"] == ["coincurve>=20; sys_platform != 'emscripten'"]
    assert any(dep.startswith("coincurve") for dep in extras["test"])
    assert not any(dep.startswith("coincurve") for dep in pyproject()["project"]["dependencies"])
