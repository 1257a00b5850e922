"""`ruff check .` is clean on the whole repository, migrations included, with the rules of pyproject.toml."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_ruff_checks_every_python_file_of_the_repository():
    checked = {Path(line).resolve().relative_to(ROOT).as_posix()
               for line in _ruff("check", "--show-files", ".").stdout.splitlines() if line.strip()}
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    tracked = [name for name in listed if (ROOT / name).exists()]  # not a deletion yet to commit
    assert tracked, "git ls-files found no Python file"
    assert set(tracked) - checked == set()  # nothing excluded: migrations, bench and tests too


def test_ruff_check_passes():
    result = _ruff("check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr
