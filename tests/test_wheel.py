"""The app installed from a wheel, as `pip install .` or a container image installs it:
the wheel carries every file the app reads, and a server started from it renders pages.

The wheel is built from a copy of the checkout's package, pages and pyproject.toml, and
installed into a fresh virtual environment (which sees the system's packages, so nothing
is downloaded but the build backend); everything then runs from outside the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

CHECKOUT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")

# What the installed app reads at run time, as the app itself says where: each folder
# must lie in the installed package and hold what the checkout's counterpart holds.
WHERE = """
import json, recognition
from recognition import create_app
from recognition.credits import certificate, frameworks
from recognition.feedback import instruments
app = create_app()
print(json.dumps({
    "package": recognition.__file__,
    "templates": app.template_folder,
    "static": app.static_folder,
    "migrations": app.extensions["migrate"].directory,
    "fonts": str(certificate.FONTS),
    "frameworks": str(frameworks.PACKAGE_DIR),
    "instruments": str(instruments.PACKAGE_DATA),
}))
"""
COUNTERPARTS = {
    "templates": CHECKOUT / "templates",
    "static": CHECKOUT / "recognition" / "static",
    "migrations": CHECKOUT / "recognition" / "migrations",
    "fonts": CHECKOUT / "recognition" / "credits" / "fonts",
    "frameworks": CHECKOUT / "recognition" / "credits" / "frameworks",
    "instruments": CHECKOUT / "recognition" / "feedback" / "data",
}


def files_under(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def wheel(tmp_path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(CHECKOUT / name, source / name)
    for name in ("recognition", "templates"):
        shutil.copytree(CHECKOUT / name, source / name, ignore=SKIP)
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(dist), str(source)])
    (built,) = dist.glob("recognition-*.whl")
    return built


@pytest.fixture
def installed(wheel, tmp_path):
    """A virtual environment with the wheel installed, an environment for its commands
    (no RECOGNITION_* of the test run, a fresh instance folder) and a working folder
    outside the checkout."""
    root = tmp_path / "installed"
    root.mkdir()
    venv = root / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    # --ignore-installed: the checkout's own editable install stays where it is.
    run(
        [
            venv / "bin" / "python",
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            str(wheel),
        ]
    )
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("RECOGNITION_") and key != "PYTHONPATH"
    }
    env["RECOGNITION_INSTANCE_PATH"] = str(root / "instance")
    return venv, env, root


def test_the_wheel_carries_every_file_and_serves_pages_from_a_fresh_environment(wheel, installed):
    """One test, not two: under pytest-xdist two would build the wheel twice."""
    carried = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"recognition/{name}" for name in files_under(CHECKOUT / "recognition")} | {
        f"recognition/templates/{name}" for name in files_under(CHECKOUT / "templates")
    }
    assert sorted(expected - carried) == [], (
        "files of the checkout missing from the wheel: list their folder under [tool.setuptools] packages "
        "in pyproject.toml (and their kind of file under package-data)"
    )

    venv, env, root = installed
    run([venv / "bin" / "recognition", "init"], env=env, cwd=root)

    where = json.loads(run([venv / "bin" / "python", "-c", WHERE], env=env, cwd=root).stdout)
    package = Path(where.pop("package")).parent
    assert package.is_relative_to(venv), f"recognition was imported from {package}, not from the wheel"
    for name, folder in where.items():
        assert Path(folder).is_relative_to(package), f"the app reads its {name} from {folder}"
        assert files_under(Path(folder)) >= files_under(COUNTERPARTS[name]), name

    port = free_port()
    server = subprocess.Popen(
        [venv / "bin" / "recognition", "serve", "--port", str(port)],
        env=env,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_until_up(base + "/healthz", server) == 200
        status, kind, body = get(base + "/login")
        assert (status, kind) == (200, "text/html; charset=utf-8"), body
        assert "<form" in body and 'name="password"' in body
        status, kind, body = get(base + "/readyz")
        assert status == 200, body
        assert json.loads(body)["status"] == "ready"
        assert get(base + "/static/site.css")[0] == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Traceback" not in output, output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server stopped: {server.stdout.read()}")
        try:
            return get(url)[0]
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"the server did not answer {url} within {seconds} s")
