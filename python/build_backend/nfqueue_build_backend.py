# SPDX-License-Identifier: GPL-2.0-or-later
"""The package's PEP 517 backend: meson-python, plus an sdist that needs no
version control.

meson-python makes an sdist with `meson dist`, which works only inside a
Git or Mercurial checkout; from an unpacked release tarball (`git archive`
output) it fails with "Dist currently only works with Git or Mercurial
repos". In a checkout that tracks this directory everything goes to
meson-python unchanged. Elsewhere the sdist is made here from the files
of this directory, as `meson dist` would make it: the C sources and the
SWIG interface copied into _vendor/ (what python/meson.build's dist script
does), and PKG-INFO written from pyproject.toml by meson-python's own
metadata class, so both ways give the same metadata.
"""
import io
import os
import pathlib
import re
import subprocess
import tarfile

import mesonpy
import packaging.version
from mesonpy import (  # noqa: F401 - the hooks this backend passes through
    build_editable,
    build_wheel,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
)

try:
    import tomllib
except ImportError:  # Python < 3.11: meson-python depends on tomli there
    import tomli as tomllib

HERE = pathlib.Path(__file__).resolve().parent.parent  # python/
# What python/meson.build's dist script copies, relative to python/.
VENDORED = ("capi/include", "capi/src", "bindings")
# Never part of a source distribution: build output and caches.
LEFT_OUT = re.compile(r"^(build|build-.*|dist|_vendor|\.mesonpy.*|__pycache__|\.pytest_cache|.*\.egg-info)$")


def build_sdist(sdist_directory, config_settings=None):
    if _tracked_by_git():
        return mesonpy.build_sdist(sdist_directory, config_settings)
    return _sdist_from_tree(pathlib.Path(sdist_directory)).name


def _tracked_by_git():
    """True when pyproject.toml is tracked by a Git checkout: `meson dist` works."""
    try:
        return subprocess.run(["git", "-C", str(HERE), "ls-files", "--error-unmatch", "pyproject.toml"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    except OSError:  # no git at all
        return False


def _version():
    """The version python/meson.build declares (pyproject.toml takes it from there)."""
    text = (HERE / "meson.build").read_text()
    found = re.search(r"^\s*version:\s*'([^']+)'", text, re.MULTILINE)
    if not found:
        raise RuntimeError("python/meson.build declares no version: 'X.Y.Z' in project()")
    return found.group(1)


def _metadata():
    with open(HERE / "pyproject.toml", "rb") as f:
        pyproject = tomllib.load(f)
    metadata = mesonpy.Metadata.from_pyproject(pyproject, HERE)
    if "version" in metadata.dynamic:
        metadata.version = packaging.version.Version(_version())
        metadata.dynamic.remove("version")
    return metadata


def _files(top):
    """(path, name in the archive) of every file under `top`, build output left out."""
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not LEFT_OUT.match(d))
        for name in sorted(files):
            path = pathlib.Path(root, name)
            yield path, path.relative_to(top).as_posix()


def _sources(vendor_root):
    """Every file of the sdist but PKG-INFO: this directory, then _vendor/."""
    yield from _files(HERE)
    for part in VENDORED:
        source = vendor_root / part
        if not source.is_dir():
            raise RuntimeError(f"{source} is missing: an sdist is made from the whole source tree "
                               "(a checkout or a release tarball), not from python/ alone")
        for path, name in _files(source):
            yield path, f"_vendor/{part}/{name}"


def _sdist_from_tree(directory):
    metadata = _metadata()
    dist_name = f"{metadata.distribution_name}-{metadata.version}"
    directory.mkdir(parents=True, exist_ok=True)
    sdist = directory / f"{dist_name}.tar.gz"
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", (HERE / "pyproject.toml").stat().st_mtime))

    def add(archive, name, data=None, path=None):
        info = tarfile.TarInfo(f"{dist_name}/{name}")
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.mtime = mtime
        if path is not None:
            info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.size = path.stat().st_size
            with open(path, "rb") as f:
                archive.addfile(info, f)
        else:
            info.mode = 0o644
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

    with tarfile.open(sdist, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        # From a checkout or a release tarball the C sources sit beside
        # python/; an unpacked sdist carries them in _vendor/ already.
        vendored = HERE / "_vendor"
        for path, name in _sources(vendored if vendored.is_dir() else HERE.parent):
            add(archive, name, path=path)
        add(archive, "PKG-INFO", data=bytes(metadata.as_rfc822()))
    return sdist

