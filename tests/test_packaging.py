"""What pip installs: the declared dependencies, Colab's versions, the wheel and the sdist."""

from __future__ import annotations

import ast
import importlib.metadata
import itertools
import os
import shlex
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import micrograd_plus
from micrograd_plus.viz.rendering import PURE_WHEEL_PLATFORMS

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")
packaging_requirements = pytest.importorskip("packaging.requirements",
                                             reason="needs the [test] extra")
Requirement = packaging_requirements.Requirement

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DEPENDENCIES = [Requirement(text) for text in PROJECT["dependencies"]]
EXTRAS = {extra: [Requirement(text) for text in texts]
          for extra, texts in PROJECT["optional-dependencies"].items()}
COLAB_VERSIONS = ROOT / "tests" / "colab_versions.txt"


def pins(path: Path) -> dict[str, str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return dict(line.split("==") for line in lines if line)


def canonical(name: str) -> str:
    return name.lower().replace("_", "-")


def test_colab_versions_satisfy_every_requirement():
    """Installing on Colab must not upgrade what it ships (that forces a runtime restart)."""
    colab = {canonical(name): version for name, version in pins(COLAB_VERSIONS).items()}
    linux = {"sys_platform": "linux", "platform_machine": "x86_64"}
    refused = [f"{requirement} excludes Colab's {colab[canonical(requirement.name)]}"
               for requirement in DEPENDENCIES
               if canonical(requirement.name) in colab
               and (requirement.marker is None or requirement.marker.evaluate(linux))
               and not requirement.specifier.contains(colab[canonical(requirement.name)])]
    assert not refused, "; ".join(refused)


@pytest.mark.skipif("MICROGRAD_PLUS_COLAB_VERSIONS" not in os.environ,
                    reason="runs in the Colab-version environment (make test-colab)")
def test_installing_changed_none_of_colabs_versions():
    expected = pins(Path(os.environ["MICROGRAD_PLUS_COLAB_VERSIONS"]))
    installed = {name: importlib.metadata.version(name) for name in expected}
    assert installed == expected


PURE_WHEELS = sorted(PURE_WHEEL_PLATFORMS)
NO_PURE_WHEEL = [("win32", "x86"), ("linux", "armv7l"), ("linux", "armv6l"),
                 ("linux", "i686"), ("emscripten", "wasm32"), ("linux", "riscv64")]


@pytest.mark.parametrize("platform, machine", PURE_WHEELS + NO_PURE_WHEEL)
def test_graphviz_pure_is_asked_for_only_where_it_has_wheels(platform, machine):
    # graphviz-pure 0.2.2 on PyPI: wheels for exactly these platforms and no sdist, so asking
    # for it anywhere else would make the whole install fail (and viz says how to get a dot).
    (requirement,) = [r for r in DEPENDENCIES if r.name == "graphviz-pure"]
    wanted = requirement.marker is None or requirement.marker.evaluate(
        {"sys_platform": platform, "platform_machine": machine})
    assert wanted == ((platform, machine) in PURE_WHEELS)


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


# What the browser site's Python (Pyodide) provides itself; pip never installs these.
PYODIDE_MODULES = {"js", "pyodide", "pyodide_js"}


def test_the_readmes_no_deps_route_installs_every_other_dependency():
    # Where pip wrongly asks for graphviz-pure (a 32-bit Python on a 64-bit system), the README
    # says to install with --no-deps and then the rest by hand: that list must stay complete.
    readme = (ROOT / "README.md").read_text()
    command = readme.split("pip install --no-deps micrograd-plus", 1)[1].split("`pip install ", 1)[1]
    named = {canonical(name) for name in command.split("`", 1)[0].split()}
    needed = {canonical(requirement.name) for requirement in DEPENDENCIES
              if requirement.name != "graphviz-pure"}
    assert named == needed


def test_every_imported_package_is_declared():
    """numpy and Pillow were imported but never declared: pip could leave them out."""
    declared = {canonical(r.name) for r in DEPENDENCIES}
    declared |= {canonical(r.name) for requirements in EXTRAS.values() for r in requirements}
    distributions = importlib.metadata.packages_distributions()
    missing = set()
    for source in (ROOT / "micrograd_plus").rglob("*.py"):
        outside = _imported_modules(source) - set(sys.stdlib_module_names) - PYODIDE_MODULES
        for module in outside - {"micrograd_plus"}:
            names = {canonical(name) for name in distributions.get(module, [module])}
            if not names & declared:
                missing.add(f"{module} (in {source.relative_to(ROOT)})")
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def test_the_version_is_written_once():
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    assert importlib.metadata.version("micrograd-plus") == micrograd_plus.__version__


def test_every_package_is_listed():
    """The package list is explicit (the lessons are mapped in from notebooks/): a new
    subpackage or data folder must be added to it, or the wheel would leave it out (and
    setuptools warns at every install)."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = [ROOT / "micrograd_plus", *(ROOT / "micrograd_plus").rglob("*")]
    on_disk = {".".join(folder.relative_to(ROOT).parts) for folder in folders
               if folder.is_dir() and folder.name != "__pycache__"}
    assert set(settings["packages"]) == on_disk | {"micrograd_plus.lessons"}


def _build(kind: str, source: Path, out: Path) -> Path:
    """Build an sdist or wheel of ``source`` with setuptools, as pip's build step would."""
    out.mkdir(exist_ok=True)
    code = (f"from setuptools import build_meta; "
            f"print(build_meta.build_{kind}({str(out)!r}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True,
                            text=True, check=True)
    return out / result.stdout.strip().splitlines()[-1]


@pytest.mark.xdist_group("builds in the checkout")
def test_the_sdist_carries_its_tests_and_runs_them(tmp_path):
    """From the sdist alone: a wheel with the lessons, py.typed and the command, and a test
    suite that collects completely and passes its quick part."""
    sdist = _build("sdist", ROOT, tmp_path / "dist")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    lessons = sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(path.name for path in (unpacked / "notebooks").glob("*.ipynb")) == lessons
    assert not list(unpacked.rglob("__pycache__"))

    wheel = _build("wheel", unpacked, tmp_path / "wheel")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(n).decode() for n in names
                            if n.endswith(".dist-info/entry_points.txt"))
    assert {f"micrograd_plus/lessons/{name}" for name in lessons} <= names
    package = ROOT / "micrograd_plus"
    code_and_data = [*package.rglob("*.py"), *package.glob("datasets/*.csv.gz"),
                     package / "py.typed"]
    missing = {path.relative_to(ROOT).as_posix() for path in code_and_data} - names
    assert not missing, f"the wheel leaves out {sorted(missing)}"
    assert "micrograd-plus = micrograd_plus.cli:main" in entry_points

    env = dict(os.environ, PYTHONPATH=str(unpacked), OMP_NUM_THREADS="1")
    pytest_run = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    collected = subprocess.run(pytest_run + ["--collect-only"], cwd=unpacked, env=env,
                               capture_output=True, text=True)
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    quick = subprocess.run(pytest_run + ["tests/test_engine.py", "tests/test_cli.py",
                                         "-k", "not quietly"],
                           cwd=unpacked, env=env, capture_output=True, text=True)
    assert quick.returncode == 0, quick.stdout[-3000:] + quick.stderr[-3000:]


@pytest.mark.xdist_group("builds in the checkout")
def test_make_installs_without_setuptools_warnings(tmp_path):
    """setuptools warns at every editable install about folders named like the package; make
    lab's first run should not greet a learner with that, or any other build warning."""
    venv = tmp_path / "venv"
    dry_run = subprocess.run(["make", "-n", "-B", f"VENV={venv}", f"{venv}/.installed-test"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    (install,) = [line for line in dry_run.splitlines() if "pip install" in line and " -e " in line]
    assignments = itertools.takewhile(lambda word: "=" in word, shlex.split(install))
    environment = dict(os.environ, PYTHONWARNINGS="")
    environment.update(word.split("=", 1) for word in assignments)
    code = f"from setuptools import build_meta; build_meta.build_editable({str(tmp_path)!r})"

    def warnings_of(env):
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True).stderr

    assert "Editable installation" in warnings_of(dict(os.environ, PYTHONWARNINGS=""))
    assert "Warning" not in warnings_of(environment)  # nor any other setuptools warning
