"""A local Python base image (nothing can be pulled here): a debootstrap rootfs cached under .tools/."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CACHE = ROOT / ".tools" / "debian-base"
SUITE = "bookworm"
PACKAGES = ("python3", "python3-venv", "ca-certificates")
BASE_TAG = "localhost/debian-python:bookworm"
TRUSTING_TAG = "localhost/debian-python:bookworm-host-ca"
HOST_CAS = Path("/usr/local/share/ca-certificates")
_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
# Apt's lists and caches are not part of a base image (the Dockerfile runs apt-get update itself).
_EXCLUDE = (
    "./var/cache/apt/*",
    "./var/lib/apt/lists/*",
    "./var/log/*",
    "./usr/share/doc/*",
    "./usr/share/man/*",
)

Docker = Callable[..., subprocess.CompletedProcess[str]]


def debian_mirror() -> str:
    """The Debian mirror apt on this machine uses."""
    if _SOURCES.exists():
        found = re.search(r"^URIs:\s*(\S+/debian)\s*$", _SOURCES.read_text(), flags=re.M)
        if found:
            return found.group(1)
    return "http://deb.debian.org/debian"


def rootfs_tar() -> Path:
    """A tarball of a minimal Debian with Python, made once per recipe (debootstrap takes ~50 s)."""
    recipe = "\n".join([SUITE, debian_mirror(), *PACKAGES, *_EXCLUDE])
    key = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    tarball = CACHE / f"{SUITE}-{key}.tar"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers wait for the one that builds it
        if not tarball.exists():
            _debootstrap(tarball)
    return tarball


def _debootstrap(tarball: Path) -> None:
    work = Path(tempfile.mkdtemp(dir=CACHE))
    try:
        rootfs = work / "rootfs"
        include = ",".join(PACKAGES)
        subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={include}", SUITE, str(rootfs), debian_mirror()],
            check=True,
            capture_output=True,
            text=True,
        )
        partial = work / "rootfs.tar"
        excludes = [f"--exclude={pattern}" for pattern in _EXCLUDE]
        subprocess.run(["tar", "-C", str(rootfs), *excludes, "-cf", str(partial), "."], check=True)
        os.replace(partial, tarball)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def import_base(docker: Docker) -> str:
    """Import the cached rootfs as an image and return its tag."""
    docker("import", "-c", "ENV LANG=C.UTF-8", str(rootfs_tar()), BASE_TAG)
    return BASE_TAG


def trusting_host_cas(docker: Docker, base: str) -> str:
    """A derived base trusting this machine's extra CAs (its TLS is intercepted); the Dockerfile stays."""
    with tempfile.TemporaryDirectory() as context:
        folder = Path(context) / "ca"
        folder.mkdir()
        for cert in sorted(HOST_CAS.glob("*.crt")):
            shutil.copy(cert, folder / cert.name)
        (Path(context) / "Dockerfile").write_text(
            f"FROM {base}\nCOPY ca/ /usr/local/share/ca-certificates/\nRUN update-ca-certificates\n"
        )
        docker("build", "--network", "host", "-t", TRUSTING_TAG, context)
    return TRUSTING_TAG
