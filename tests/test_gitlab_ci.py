"""The project's pipeline and the course template: valid GitLab CI by GitLab's published schema, and
the template's grading job executed for real, line by line, on the test engine.

GitLab itself is not here, so the tests do what it would: resolve `include:` (local) and
`extends:`, export the job's variables (GitLab expands `$VAR` in them), and run `before_script:`
and `script:` in one bash with `set -eo pipefail`, as the runner does. The engine address is the
test engine's: its TLS settings replace the template's (none locally, the dind ones in the
project's own pipeline). Nothing of the template is skipped: the grader is already installed, so
the install line's "use the installed grade" branch runs (the pip branch is checked with a stand-in
pip), and the docker CLI line finds the test's CLI.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
import yaml
from conftest import DOCKER, LAB, ROOT, grade_env

TEMPLATE = ROOT / "templates" / "grade-lab.gitlab-ci.yml"
PROJECT_CI = ROOT / ".gitlab-ci.yml"
CI_MD = LAB / "CI.md"
XSD = xmlschema.XMLSchema(str(Path(__file__).parent / "junit.xsd"))
DIND_TLS = {"DOCKER_HOST": "tcp://docker:2376", "DOCKER_TLS_CERTDIR": "/certs",
            "DOCKER_CERT_PATH": "/certs/client", "DOCKER_TLS_VERIFY": "1"}
KEY = "course-signing-key"

STUDENT_CI = """\
include:
  - local: /templates/grade-lab.gitlab-ci.yml

grade-lab:
  variables:
    LAB: ch03
    GRADE_STEPS: {steps}
"""


# ------------------------------------------------------------------------ GitLab, the small part

def deep_merge(base, over):
    """GitLab's merge for `include:` and `extends:`: hashes merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = deep_merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


def load_ci(path: Path, project: Path) -> dict:
    """A .gitlab-ci.yml with its local includes merged in (the including file wins)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    includes = doc.pop("include", [])
    includes = [includes] if isinstance(includes, (str, dict)) else includes
    merged: dict = {}
    for inc in includes:
        local = inc if isinstance(inc, str) else inc.get("local")
        assert local, f"the tests resolve only local includes, not {inc}"
        merged = deep_merge(merged, load_ci(project / local.lstrip("/"), project))
    return deep_merge(merged, doc)


def resolve(config: dict, name: str, seen: tuple = ()) -> dict:
    """A job with its `extends:` chain merged (later parents win, the job itself last)."""
    assert name in config, f"no job {name!r}"
    assert name not in seen, f"extends loop: {seen + (name,)}"
    job = config[name]
    parents = job.get("extends", [])
    parents = [parents] if isinstance(parents, str) else parents
    base: dict = {}
    for parent in parents:
        base = deep_merge(base, resolve(config, parent, seen + (name,)))
    return deep_merge(base, {k: v for k, v in job.items() if k != "extends"})


def job_config(config: dict, name: str) -> dict:
    """What a job runs with: extends resolved, `default:` filled in, global variables under its own."""
    job = resolve(config, name)
    for key, value in (config.get("default") or {}).items():
        job.setdefault(key, copy.deepcopy(value))
    plain = lambda v: v.get("value", "") if isinstance(v, dict) else v  # noqa: E731
    job["variables"] = {k: str(plain(v)) for k, v in
                        {**(config.get("variables") or {}), **(job.get("variables") or {})}.items()}
    return job


def flat(lines) -> list[str]:
    out = []
    for line in lines or []:
        out += flat(line) if isinstance(line, list) else [str(line)]
    return out


def expand(value: str, env: dict) -> str:
    """GitLab's expansion of variables in variables: $NAME and ${NAME}; $$ is a dollar."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(2)
        return env.get(name, m.group(0))
    return re.sub(r"\$\$|\$\{(\w+)\}|\$(\w+)", sub, value)


def make_project(tmp: Path, steps: str | None = None, steps_path: str = "lab/steps.sh",
                 template: str | None = None) -> Path:
    """A student's repository: the template included by local path, a steps script, and the
    chapter's files (the reference solution under ch03/, the web-ping app under web-ping/)."""
    project = tmp / "project"
    (project / "templates").mkdir(parents=True)
    (project / "templates" / TEMPLATE.name).write_text(template if template is not None else TEMPLATE.read_text())
    (project / ".gitlab-ci.yml").write_text(STUDENT_CI.format(steps=steps_path))
    shutil.copytree(LAB, project / "ch03", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(LAB / "web-ping", project / "web-ping")
    if steps is not None:
        (project / steps_path).parent.mkdir(parents=True, exist_ok=True)
        (project / steps_path).write_text(steps)
    return project


def run_job(project: Path, host: str, name: str = "grade-lab", variables: dict | None = None,
            path_first: Path | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run a job of the project's pipeline as a GitLab runner would, on the test engine."""
    job = job_config(load_ci(project / ".gitlab-ci.yml", project), name)
    env = grade_env(host)
    env.update({"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": str(project), "CI_JOB_NAME": name,
                "CI_PROJECT_PATH": "course/kim-ch03", "CI_PROJECT_PATH_SLUG": "course-kim-ch03",
                "GITLAB_USER_LOGIN": "kim", "GRADE_SIGNING_KEY": KEY})
    for k, v in {**job["variables"], **(variables or {})}.items():
        if k not in DIND_TLS:  # the test engine's address and TLS settings (grade_env) stand
            env[k] = expand(v, env)
    env["DOCKER_HOST"] = host
    bin_dir = project.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    if not (bin_dir / "docker").exists():
        (bin_dir / "docker").symlink_to(shutil.which(DOCKER) or DOCKER)
    env["PATH"] = os.pathsep.join(filter(None, [str(path_first or ""), str(bin_dir), env["PATH"]]))
    script = "set -eo pipefail\n" + "\n".join(flat(job.get("before_script")) + flat(job["script"])) + "\n"
    return subprocess.run(["bash", "-c", script], cwd=project, env=env, text=True, capture_output=True,
                          timeout=timeout)


def schema_check(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.gitlab-ci",
                           *map(str, files)], text=True, capture_output=True, timeout=120)


def flattened(config: dict, tmp: Path, name: str) -> Path:
    """Every job of a pipeline, hidden ones too, resolved and written as visible jobs: the schema
    checks hidden jobs (`.grade-lab`) only loosely, their resolved form strictly."""
    reserved = {"default", "include", "stages", "variables", "workflow", "image", "services", "cache",
                "before_script", "after_script", "spec"}
    out = {k: v for k, v in config.items() if k in ("stages", "variables", "workflow", "default")}
    for job in config:
        if job not in reserved and isinstance(config[job], dict):
            out["resolved-" + job.lstrip(".")] = resolve(config, job)
    path = tmp / name
    path.write_text(yaml.safe_dump(out, sort_keys=False))
    return path


# -------------------------------------------------------------------------------- schema validity

def test_both_pipeline_files_are_valid_gitlab_ci(tmp_path):
    result = schema_check(PROJECT_CI, TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr
    resolved = [flattened(load_ci(PROJECT_CI, ROOT), tmp_path, "project.yml"),
                flattened(load_ci(TEMPLATE, ROOT), tmp_path, "template.yml")]
    project = make_project(tmp_path, steps="true\n")
    resolved.append(flattened(load_ci(project / ".gitlab-ci.yml", project), tmp_path, "student.yml"))
    result = schema_check(*resolved)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("typo", [("  artifacts:\n", "  artifact:\n"), ("  script:\n", "  scirpt:\n"),
                                  ("when: always", "when: allways"), ("  services:\n", "  service:\n")])
def test_a_typo_in_the_template_fails_validation(tmp_path, typo):
    text = TEMPLATE.read_text()
    assert typo[0] in text
    bad = tmp_path / "templates" / TEMPLATE.name
    bad.parent.mkdir()
    bad.write_text(text.replace(typo[0], typo[1], 1))
    result = schema_check(flattened(load_ci(bad, tmp_path), tmp_path, "bad.yml"))
    assert result.returncode != 0, f"the schema accepted {typo[1]!r}"


def test_ci_md_student_snippet_is_valid_gitlab_ci(tmp_path):
    snippet = re.search(r"```yaml\n(.*?)```", CI_MD.read_text(), re.S).group(1)
    doc = yaml.safe_load(snippet)
    assert doc["include"][0]["file"] == "/templates/grade-lab.gitlab-ci.yml"
    assert set(doc["grade-lab"]["variables"]) <= set(job_config(load_ci(TEMPLATE, ROOT), "grade-lab")["variables"])
    path = tmp_path / "snippet.yml"
    path.write_text(snippet)
    result = schema_check(path)
    assert result.returncode == 0, result.stdout + result.stderr


# ----------------------------------------------------------------------------- the job's contract

def test_template_job_uses_dind_over_tls_and_keeps_both_reports(tmp_path):
    config = load_ci(TEMPLATE, ROOT)
    job = job_config(config, "grade-lab")
    assert job["image"].startswith("python:")
    assert {"name": "docker:dind", "alias": "docker"} in job["services"]
    assert {k: job["variables"][k] for k in DIND_TLS} == DIND_TLS
    assert job["variables"]["GRADE_FAIL_ON_MISSING_POINTS"] == "false"
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"
    assert set(artifacts["paths"]) == {"grade.json", "grade-junit.xml"}
    assert artifacts["reports"]["junit"] == "grade-junit.xml"
    script = "\n".join(flat(job["script"]))
    assert 'grade "$LAB" --junit grade-junit.xml --json grade.json --student' in script
    # A student's own job that extends the hidden base job runs the same thing.
    config["my-grading"] = {"extends": ".grade-lab", "variables": {"GRADE_STEPS": "steps/ch03.sh"}}
    mine = job_config(config, "my-grading")
    assert mine["script"] == job["script"] and mine["before_script"] == job["before_script"]
    assert mine["variables"]["GRADE_STEPS"] == "steps/ch03.sh" and mine["variables"]["LAB"] == "ch03"


def test_install_line_gives_pip_its_arguments(tmp_path):
    """The pip branch of the install line, with a stand-in `python3` that records its arguments."""
    job = job_config(load_ci(TEMPLATE, ROOT), "grade-lab")
    install = next(line for line in flat(job["before_script"]) if "GRADE_PIP_INSTALL" in line)
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "python3").write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$PIP_ARGS_FILE"\n')
    (fake / "python3").chmod(0o755)
    spec = "--upgrade git+https://gitlab.example.com/course/grade.git@v0.1.0"
    env = {**grade_env(None), "LAB": "ch03", "GRADE_PIP_INSTALL": spec, "PIP_ARGS_FILE": str(tmp_path / "args"),
           "PATH": f"{fake}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-c", "set -eo pipefail\n" + install], env=env, text=True,
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "args").read_text().split("\n")[:-1] == [
        "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *spec.split()]
    # A lab the grader does not have stops the job before the engine is even waited for.
    env["LAB"] = "ch99"
    result = subprocess.run(["bash", "-c", "set -eo pipefail\n" + install], env=env, text=True,
                            capture_output=True, timeout=60)
    assert result.returncode == 2 and "cannot grade ch99" in result.stderr


# ------------------------------------------------------------------------------ the job, for real

def reports(project: Path) -> tuple[dict, ET.Element]:
    data = json.loads((project / "grade.json").read_text())
    xml = (project / "grade-junit.xml").read_text()
    XSD.validate(xml)
    return data, ET.fromstring(xml).find("testsuite")


def properties(suite) -> dict:
    return {p.get("name"): p.get("value") for p in suite.iter("property")}


def test_template_job_grades_the_reference_solution(student):
    from grader import signing

    project = make_project(student.workdir, steps_path="ch03/solution.sh")
    result = run_job(project, student.host)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Total: 25/25 (100.0%), bonus +2 of 2" in result.stdout
    assert "Every check passed." in result.stdout
    data, suite = reports(project)
    assert (data["score"], data["max_score"], data["student"], data["lab"]) == (27, 25, "kim", "ch03")
    props = properties(suite)
    assert (props["score"], props["max_score"], props["student"]) == ("27", "25", "kim")
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    # The course's key was in the job: both reports are signed, and verify.
    assert signing.verify_json(data, KEY.encode()) is None
    collected = subprocess.run(["grade", "collect", str(project), "--csv", "-", "--verify"], text=True,
                               capture_output=True, env={**os.environ, "GRADE_SIGNING_KEY": KEY}, timeout=60)
    assert collected.returncode == 0, collected.stderr
    assert collected.stdout.splitlines()[1].startswith("kim,ch03,")


def test_ci_md_example_steps_earn_every_point(student):
    """The example lab/steps.sh in labs/ch03/CI.md, run by the template's job on a clean engine."""
    text = CI_MD.read_text()
    steps = re.search(r"<!-- example steps\.sh.*?-->\s*```bash\n(.*?)```", text, re.S).group(1)
    project = make_project(student.workdir, steps=steps)
    result = run_job(project, student.host)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Total: 25/25 (100.0%), bonus +2 of 2" in result.stdout
    data, _ = reports(project)
    assert data["complete"] and data["score"] == 27


def test_missing_points_fail_the_job_only_when_asked(student):
    # The steps record what they see; they do nothing on the engine.
    steps = 'echo "key: ${GRADE_SIGNING_KEY:-hidden}" > steps-saw.txt\n'
    project = make_project(student.workdir, steps=steps)
    passed = run_job(project, student.host)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Points are missing; the job still passes" in passed.stdout
    assert (project / "steps-saw.txt").read_text() == "key: hidden\n"
    data, suite = reports(project)
    assert data["score"] < data["max_score"] and int(suite.get("failures")) > 0
    assert "signature" in data and "signature" in properties(suite)
    for name in ("grade.json", "grade-junit.xml"):
        (project / name).unlink()
    failed = run_job(project, student.host, variables={"GRADE_FAIL_ON_MISSING_POINTS": "true"})
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "GRADE_FAIL_ON_MISSING_POINTS is true" in failed.stderr
    # `artifacts: when: always` has both reports to upload from the failed job.
    reports(project)


def test_failing_steps_are_reported_and_what_they_left_is_graded(student):
    project = make_project(student.workdir, steps="echo 'half done'\nexit 4\n")
    result = run_job(project, student.host)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "lab/steps.sh exited with 4; grading what it left" in result.stderr
    assert (project / "grade.json").exists()


def test_missing_steps_script_fails_clearly(student):
    project = make_project(student.workdir, steps=None)
    result = run_job(project, student.host)
    assert result.returncode == 2
    assert "no steps script at lab/steps.sh" in result.stderr


def test_an_engine_that_never_answers_fails_within_the_wait(tmp_path):
    project = make_project(tmp_path, steps="true\n")
    result = run_job(project, f"unix://{tmp_path}/no-engine.sock", variables={"GRADE_ENGINE_WAIT": "2"},
                     timeout=60)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "did not answer within 2 s" in result.stderr
    assert not (project / "grade.json").exists()


def test_a_typo_in_the_templates_script_fails_the_job(student):
    bad = TEMPLATE.read_text().replace('grade "$LAB" --junit', 'grdae "$LAB" --junit', 1)
    assert bad != TEMPLATE.read_text()
    project = make_project(student.workdir, steps="true\n", template=bad)
    result = run_job(project, student.host)
    assert result.returncode != 0
    assert "grdae" in result.stderr
