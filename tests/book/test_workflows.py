"""The GitHub Actions workflows: tests on each push and pull request, the book published on tags."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads `on` as True
    return workflow


def steps(job: dict) -> list[str]:
    return [step.get("uses", step.get("run", "")) for step in job["steps"]]


def test_actionlint_passes_on_every_workflow():
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert actionlint, "actionlint is missing: pip install -r requirements.txt"
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert len(files) == 2
    result = subprocess.run([actionlint, "-no-color", *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_tests_run_make_test_on_every_push_and_pull_request():
    workflow = load("test.yml")
    assert set(workflow["on"]) == {"push", "pull_request"}
    (job,) = workflow["jobs"].values()
    python = [
        s["with"]["python-version"] for s in job["steps"] if "setup-python" in s.get("uses", "")
    ]
    assert python == ["3.11"]
    assert steps(job)[-1] == "make test"


def test_the_book_is_built_afresh_and_published_on_version_tags():
    workflow = load("publish.yml")
    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert "make book-fresh" in steps(build)
    assert any(s.startswith("actions/upload-pages-artifact@") for s in steps(build))
    upload = [s for s in build["steps"] if "upload-pages-artifact" in s.get("uses", "")][0]
    assert upload["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(s.startswith("actions/deploy-pages@") for s in steps(deploy))


def test_make_lint_runs_actionlint_and_ci_builds_the_book_afresh():
    makefile = (ROOT / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "actionlint" in lint and ".github/workflows" in lint
    assert "make book-fresh" in (ROOT / ".ci" / "run").read_text()
