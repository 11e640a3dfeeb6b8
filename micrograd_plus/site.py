"""The browser site: every lesson in JupyterLite, running on Pyodide, with nothing installed.

``make site`` runs ``python -m micrograd_plus.site site notebooks`` and writes a static folder
that any web server (or ``python -m http.server``) can serve; a student opens it in a browser
and runs the lessons there. Everything the lessons need when they start comes from the site
itself, so it works offline once loaded:

- Pyodide's core (the ``pyodide`` npm package: Python compiled to WebAssembly and its standard
  library), in ``static/pyodide/``;
- the pure-Python wheels the kernel and the lessons load at start (IPython, ipywidgets,
  graphviz, tqdm, ... from PyPI, and this package built as a wheel), beside it, listed in the
  site's own ``pyodide-lock.json`` with their hashes;
- Graphviz compiled to WebAssembly (the ``@viz-js/viz`` npm package, one file), which
  ``micrograd_plus.viz`` uses when no ``dot`` program can run (see ``viz/browser.py``).

Pyodide's compiled packages (numpy, matplotlib, Pillow) are not on PyPI or npm, so the site's
lock file points at Pyodide's CDN for them: the plots and three of the widgets need the internet
the first time they are drawn. Building needs ``npm`` and the site extra
(``pip install -e ".[site]"``), and the network to reach PyPI and the npm registry once (the
downloads are kept in ``build/site-cache``)::

    python -m micrograd_plus.site [SITE_DIR] [NOTEBOOK_DIR]    # defaults: site notebooks
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from .book import _lesson_notebooks

__all__ = ["PYODIDE_VERSION", "VIZ_JS_VERSION", "build_site"]

# The Pyodide that jupyterlite-pyodide-kernel 0.8.6 (pinned by the site extra) was built for.
PYODIDE_VERSION = "314.0.6"
PYODIDE_PYTHON = "3.14"
VIZ_JS_VERSION = "3.31.0"
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
PACKAGE = "micrograd-plus"
# Loaded with the kernel, from the site. Pyodide's lock lists their versions; what it does not
# list (ipywidgets and the rest below) comes from PyPI at these versions.
KERNEL_PACKAGES = ["micropip", "ipython", "jedi"]
EXTRA_WHEELS = {"ipywidgets": "8.1.9", "comm": "0.2.3", "jupyterlab-widgets": "3.0.17",
                "graphviz": "0.21", "tqdm": "4.67.1", "anywidget": "0.11.0", "psygnal": "0.16.1"}
# What this package needs at import time, in the site; matplotlib, numpy and Pillow are loaded
# from the CDN on first use (viz.browser.load_packages).
PACKAGE_DEPENDS = ["ipywidgets", "anywidget", "graphviz", "tqdm"]
EXTRA_DEPENDS = {"ipywidgets": ["comm", "ipython", "traitlets", "jupyterlab-widgets",
                                "widgetsnbextension"],
                 "comm": ["traitlets"],
                 "anywidget": ["ipywidgets", "psygnal", "typing-extensions"]}
ROOT = Path(__file__).resolve().parents[1]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _run(command: list[str], cwd: Path | None = None) -> None:
    print("  $", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def _npm_package(name: str, version: str, cache: Path) -> Path:
    """The unpacked npm package ``name@version`` (``npm pack``, kept in ``cache``)."""
    folder = cache / f"{name.replace('/', '+')}-{version}"
    if not folder.exists():
        if shutil.which("npm") is None:
            raise RuntimeError("building the site needs npm (Node.js) to fetch Pyodide and "
                               "viz.js from the npm registry: install Debian's `npm` package "
                               "(or Node.js from nodejs.org) and run `make site` again.")
        download = cache / "npm"
        download.mkdir(parents=True, exist_ok=True)
        _run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=download)
        tarball = next(download.glob(f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"))
        with tarfile.open(tarball) as archive:
            archive.extractall(folder, filter="data")
    return folder / "package"


def _wheel(name: str, version: str, wheels: Path) -> Path:
    """The PyPI wheel of ``name==version`` (pure Python), downloaded once into ``wheels``."""
    pattern = re.compile(rf"{re.escape(_normal(name).replace('-', '_'))}-{re.escape(version)}-",
                         re.IGNORECASE)
    found = [path for path in wheels.glob("*.whl") if pattern.match(path.name)]
    if not found:
        # platform "any": the pure-Python wheel, never one compiled for this machine
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
              "--only-binary=:all:", "--python-version", PYODIDE_PYTHON, "--platform", "any",
              "--dest", str(wheels), f"{name}=={version}"])
        found = [path for path in wheels.glob("*.whl") if pattern.match(path.name)]
    return found[0]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entry(name: str, version: str, wheel: Path, depends: list[str], imports: list[str]) -> dict:
    return {"name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
            "sha256": _sha256(wheel), "package_type": "package", "imports": imports,
            "depends": depends, "unvendored_tests": False}


def _kernel_closure(packages: dict) -> list[str]:
    """KERNEL_PACKAGES, the packages of Pyodide's lock that EXTRA_DEPENDS names, and everything
    they depend on, by the lock's names."""
    extra = {_normal(name) for names in EXTRA_DEPENDS.values() for name in names}
    needed, todo = set(), [*KERNEL_PACKAGES, *sorted(extra & packages.keys())]
    while todo:
        name = _normal(todo.pop())
        if name not in needed:
            needed.add(name)
            todo.extend(packages[name]["depends"])
    return sorted(needed)


def _write_lock(pyodide: Path, out: Path, cache: Path, own_wheel: Path, shim: Path) -> None:
    """Copy Pyodide's core into ``out`` with a lock file that points at the wheels served beside
    it, and at Pyodide's CDN for every package the site does not carry."""
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    packages = lock["packages"]
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    local = {}
    for name in _kernel_closure(packages):
        entry = packages[name]
        wheel = _wheel(entry["name"], entry["version"], wheels)
        local[name] = dict(entry, file_name=wheel.name, sha256=_sha256(wheel),
                           unvendored_tests=False)
    for name, version in EXTRA_WHEELS.items():
        local[name] = _entry(name, version, _wheel(name, version, wheels),
                             EXTRA_DEPENDS.get(name, []), [name.replace("-", "_")])
    local["widgetsnbextension"] = _entry("widgetsnbextension", "4.0.999", shim, [], [])
    local[PACKAGE] = _entry(PACKAGE, own_wheel.name.split("-")[1], own_wheel, PACKAGE_DEPENDS,
                            ["micrograd_plus"])
    for name, entry in packages.items():
        if name not in local:
            entry["file_name"] = PYODIDE_CDN + entry["file_name"]
    packages.update(local)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"):
        shutil.copy(pyodide / name, out / name)
    for entry in local.values():
        source = own_wheel if entry["name"] == PACKAGE else (
            shim if entry["name"] == "widgetsnbextension" else wheels / entry["file_name"])
        shutil.copy(source, out / entry["file_name"])
    (out / "pyodide-lock.json").write_text(json.dumps(lock))


def _lite_config(lite_dir: Path) -> None:
    """jupyter-lite.json: the kernel loads Pyodide and this package from the site, never PyPI."""
    settings = {
        "pyodideUrl": "./static/pyodide/pyodide.mjs",
        "disablePyPIFallback": True,
        "loadPyodideOptions": {"packages": ["micropip", PACKAGE]},
    }
    config = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": settings}}}
    lite_dir.mkdir(parents=True, exist_ok=True)
    (lite_dir / "jupyter-lite.json").write_text(json.dumps(config, indent=1))


def _kernel_shim() -> Path:
    """The widgetsnbextension stand-in that jupyterlite-pyodide-kernel ships for ipywidgets."""
    import jupyterlite_pyodide_kernel  # noqa: F401  (fails clearly when the site extra is missing)

    prefix = Path(sys.prefix) / "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension"
    return next((prefix / "static/pypi").glob("widgetsnbextension-4.*.whl"))


def build_site(site_dir: Path | str = "site", notebook_dir: Path | str = "notebooks",
               cache: Path | str = ROOT / "build/site-cache") -> Path:
    """Build the JupyterLite site into ``site_dir`` with the lessons of ``notebook_dir``;
    returns the path of its ``index.html``."""
    site_dir, cache = Path(site_dir).resolve(), Path(cache)
    lessons = _lesson_notebooks(notebook_dir)
    shim = _kernel_shim()
    pyodide = _npm_package("pyodide", PYODIDE_VERSION, cache)
    viz = _npm_package("@viz-js/viz", VIZ_JS_VERSION, cache)
    own = cache / "own"
    shutil.rmtree(own, ignore_errors=True)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
          "--wheel-dir", str(own), str(ROOT)])
    own_wheel = next(own.glob("micrograd_plus-*.whl"))
    lite_dir = cache / "lite"
    shutil.rmtree(lite_dir, ignore_errors=True)
    _lite_config(lite_dir)
    contents = lite_dir / "files"
    contents.mkdir()
    for lesson in lessons:
        shutil.copy(lesson, contents / lesson.name)
    shutil.rmtree(site_dir, ignore_errors=True)
    _run([sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir),
          "--contents", str(contents), "--output-dir", str(site_dir), "--no-sourcemaps",
          "--no-unused-shared-packages"], cwd=lite_dir)
    static = site_dir / "static/pyodide"
    _write_lock(pyodide, static, cache, own_wheel, shim)
    from .viz.browser import VIZ_SCRIPT

    shutil.copy(viz / "dist" / VIZ_SCRIPT, static / VIZ_SCRIPT)
    return site_dir / "index.html"


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m micrograd_plus.site [SITE_DIR] [NOTEBOOK_DIR]``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 2 or any(arg.startswith("-") for arg in args):
        print(__doc__.strip().splitlines()[0])
        print("usage: python -m micrograd_plus.site [SITE_DIR] [NOTEBOOK_DIR]")
        return 2
    try:
        index = build_site(*args)
    except (FileNotFoundError, RuntimeError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    size = sum(path.stat().st_size for path in index.parent.rglob("*") if path.is_file())
    print(f"wrote {index.parent} ({size / 1e6:.0f} MB); serve it with "
          f"`python -m http.server -d {index.parent}` and open http://127.0.0.1:8000/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
