"""Test harness: a real, private Docker Engine, the stand-in images, and a student who types
docker commands. Every test leaves the engine as it found it."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "labs" / "ch03"
# Which engine the tests start (scripts/engine's kinds): docker20 (the default), docker26,
# docker26-containerd or podman. GRADE_TEST_DOCKER_HOST names an engine already running instead.
ENGINE = os.environ.get("GRADE_TEST_ENGINE") or "docker20"
ENGINES = ("docker20", "docker26", "docker26-containerd", "podman")
PODMAN = ENGINE == "podman"
if PODMAN:
    # A Podman student types the book's `docker ...` words and podman runs them (Fedora's
    # podman-docker); so its builds are Podman's own (buildah), and what they name is localhost/.
    DOCKER = os.environ.get("GRADE_TEST_DOCKER_CLI") or str(ROOT / "scripts" / "podman-docker")
else:
    # The docker.io package's CLI builds with BuildKit by itself; a newer CLI would need buildx.
    DOCKER = os.environ.get("GRADE_TEST_DOCKER_CLI") or (
        "/usr/bin/docker" if Path("/usr/bin/docker").exists() else shutil.which("docker") or "docker")


def docker_only(why: str):
    """Skip a test that cannot hold on Podman, saying why."""
    return pytest.mark.skipif(PODMAN, reason=f"Docker only: {why}")


def _sh(*args, env=None, check=True, **kw):
    return subprocess.run(args, env=env, check=check, text=True, capture_output=True, **kw)


@pytest.fixture(scope="session", autouse=True)
def private_state(tmp_path_factory):
    """The graders' probe journals go to the session's own folder, never the user's home."""
    old = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    if old is None:
        os.environ.pop("XDG_STATE_HOME", None)
    else:
        os.environ["XDG_STATE_HOME"] = old


@pytest.fixture(scope="session")
def mirror():
    """A loopback registry (scripts/registry) that our own engine uses as its Docker Hub mirror, as
    the book's `docker image pull` needs (dockerd's --registry-mirror; Podman's registries.conf, see
    scripts/engine); None on a given engine (GRADE_TEST_DOCKER_HOST)."""
    if os.environ.get("GRADE_TEST_DOCKER_HOST"):
        yield None
        return
    registry_dir = tempfile.mkdtemp(prefix="grade-test-registry-")
    env = {**os.environ, "GRADE_REGISTRY_DIR": registry_dir}
    try:
        url = _sh(str(ROOT / "scripts" / "registry"), "start", env=env).stdout.strip()
    except subprocess.CalledProcessError as e:
        pytest.exit(f"could not start the loopback registry (run scripts/setup):\n{e.stdout}{e.stderr}",
                    returncode=3)
    try:
        yield url
    finally:
        _sh(str(ROOT / "scripts" / "registry"), "stop", env=env, check=False)
        shutil.rmtree(registry_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def docker_host(mirror):
    """GRADE_TEST_DOCKER_HOST if given (e.g. a dind service), else a private engine of our own,
    of the kind GRADE_TEST_ENGINE names."""
    given = os.environ.get("GRADE_TEST_DOCKER_HOST")
    if given:
        yield given
        return
    if ENGINE not in ENGINES:
        pytest.exit(f"GRADE_TEST_ENGINE must be one of {', '.join(ENGINES)}, not {ENGINE!r}", returncode=4)
    engine_dir = tempfile.mkdtemp(prefix="grade-test-engine-")
    env = {**os.environ, "GRADE_ENGINE_DIR": engine_dir, "GRADE_ENGINE_KIND": ENGINE}
    if mirror:
        env["GRADE_ENGINE_MIRROR"] = mirror
    try:
        _sh(str(ROOT / "scripts" / "engine"), "start", env=env)
    except subprocess.CalledProcessError as e:
        pytest.exit(f"could not start a private {ENGINE} engine (run as root, after scripts/setup):\n"
                    f"{e.stdout}{e.stderr}", returncode=3)
    host = _sh(str(ROOT / "scripts" / "engine"), "host", env=env).stdout.strip()
    try:
        yield host
    finally:
        _sh(str(ROOT / "scripts" / "engine"), "stop", env=env, check=False)
        shutil.rmtree(engine_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def standins(docker_host, mirror):
    env = {**os.environ, "DOCKER_HOST": docker_host, "DOCKER": DOCKER}
    if mirror:  # built, pushed to the mirror and pulled back: they carry digests like Docker Hub's
        env["GRADE_ENGINE_MIRROR"] = mirror
    if PODMAN:
        # Like pulled images, the stand-ins come without intermediate build images: Podman would
        # keep one per step, share them with the students' builds as cache and drop them when a
        # test's image is removed, changing the engine under the next test.
        env["BUILDAH_LAYERS"] = "false"
    result = _sh(str(ROOT / "scripts" / "standins"), env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # The state every test starts from, as cleanup() leaves it: Podman's intermediate build
    # images are dangling, and with the containerd image store the legacy builder's are build
    # cache; cleanup() prunes both.
    prune_dangling(env)
    if not PODMAN:
        _sh(DOCKER, "builder", "prune", "--all", "--force", env=env, check=False)
    return docker_host


def snapshot(host: str) -> dict:
    """Everything a student could notice on the engine: containers, images, volumes, networks."""
    env = {**os.environ, "DOCKER_HOST": host}

    def lines(*args):
        return sorted(filter(None, _sh(DOCKER, *args, env=env).stdout.splitlines()))

    # A container's state from inspect: `ls --format {{.State}}` is "exited" on Docker but
    # "Exited (0) 4 seconds ago" on Podman, which changes by itself.
    ids = lines("container", "ls", "--all", "--quiet", "--no-trunc")
    containers = lines("container", "inspect", "--format",
                       "{{.Id}} {{.Name}} {{.State.Status}} {{.Config.Image}}", *ids) if ids else []
    return {
        "containers": containers,
        "images": lines("image", "ls", "--all", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"),
        "volumes": lines("volume", "ls", "--format", "{{.Name}}"),
        "networks": lines("network", "ls", "--no-trunc", "--format", "{{.ID}} {{.Name}}"),
    }


_SNAPSHOT_RACE = "failed to prepare extraction snapshot"


class Student:
    """Types docker commands at the shell, as the chapter tells them to."""

    def __init__(self, host: str, workdir: Path):
        self.host = host
        self.workdir = workdir
        self.buildkit = True

    def env(self, **extra):
        return {**os.environ, "DOCKER_HOST": self.host,
                "DOCKER_BUILDKIT": "1" if self.buildkit else "0", **extra}

    def docker(self, *args, input=None, check=True, cwd=None):
        def run():
            return subprocess.run([DOCKER, *args], env=self.env(), input=input, text=True,
                                  capture_output=True, cwd=cwd or self.workdir, timeout=180)
        result = run()
        if result.returncode != 0 and args[:2] == ("image", "build") and _SNAPSHOT_RACE in result.stderr:
            # Docker 26's containerd image store: a BuildKit build right after images were removed
            # can find a cached layer's parent snapshot gone ("failed to prepare extraction
            # snapshot ... does not exist") -- the engine's fault, not the student's; a student
            # types the build again, and so does this.
            result = run()
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def write(self, folder: str, files: dict[str, str]) -> Path:
        """A build context: files by name; `app.js` defaults to the lab's own."""
        path = self.workdir / folder
        path.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (path / name).write_text(text)
        return path

    def build(self, tag: str | None, dockerfile: str, files: dict[str, str] | None = None,
              folder: str = "build"):
        path = self.write(folder, {"Dockerfile": dockerfile, **(files or {})})
        args = ["image", "build"] + (["--tag", tag] if tag else []) + ["."]
        return self.docker(*args, cwd=path)

    def solution(self):
        """The lab's reference solution, as one student would type it."""
        result = subprocess.run(["bash", str(LAB / "solution.sh")], env=self.env(DOCKER=DOCKER),
                                text=True, capture_output=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr

    def web_ping_app(self) -> str:
        return (LAB / "web-ping" / "app.js").read_text()


@pytest.fixture
def student(standins, tmp_path):
    """A student on an engine holding only the stand-ins; whatever they create is removed after."""
    before = snapshot(standins)
    yield Student(standins, tmp_path)
    cleanup(standins, before)


def cleanup(host: str, before: dict) -> None:
    """Remove what a test created, and nothing else."""
    env = {**os.environ, "DOCKER_HOST": host}
    after = snapshot(host)
    new_containers = set(after["containers"]) - set(before["containers"])
    ids = [line.split()[0] for line in new_containers]
    if ids:
        # Podman's rm --force would wait the whole stop timeout first.
        _sh(DOCKER, "container", "rm", "--force", *(["--time", "0"] if PODMAN else []), *ids, env=env, check=False)
    old_ids = {line.split()[0] for line in before["images"]}
    for line in sorted(set(after["images"]) - set(before["images"])):
        image_id, ref = line.split(maxsplit=1)
        if not ref.startswith("<none>"):
            _sh(DOCKER, "image", "rm", ref, env=env, check=False)  # untags; an old id stays
        if image_id not in old_ids:
            _sh(DOCKER, "image", "rm", "--force", image_id, env=env, check=False)
    prune_dangling(env)
    if not PODMAN:  # Podman's `builder prune --all` is `image prune --all`: every unused image
        _sh(DOCKER, "builder", "prune", "--all", "--force", env=env, check=False)
    assert snapshot(host)["images"] == before["images"], "a test left images behind"


def prune_dangling(env: dict) -> None:
    """Remove dangling images. Podman's prune removes one generation of them at a time (its
    intermediate build images) and prints their ids: prune until it prints none."""
    for _ in range(10 if PODMAN else 1):
        if not _sh(DOCKER, "image", "prune", "--force", env=env, check=False).stdout.strip():
            break


class Graded:
    def __init__(self, code: int, out: str, err: str, report: dict | None):
        self.code, self.out, self.err, self.report = code, out, err, report

    def points(self) -> dict[str, float]:
        return {c["id"]: c["score"] for c in self.report["checks"]}

    def status(self, check_id: str) -> str:
        return next(c["status"] for c in self.report["checks"] if c["id"] == check_id)

    def check(self, check_id: str) -> dict:
        return next(c for c in self.report["checks"] if c["id"] == check_id)

    def evidence(self, check_id: str) -> str:
        return "\n".join(self.check(check_id)["evidence"])

    def assert_hint_shown(self, check_id: str) -> None:
        """The rubric's hint, in the report's language, is in the report and on the screen."""
        import yaml

        data = yaml.safe_load((ROOT / "rubrics" / f"{self.report['lab']}.yaml").read_text())
        spec = next(c for s in data["sections"] for c in s["checks"] if c["id"] == check_id)
        hint = spec["hint"][self.report["lang"]]
        assert self.check(check_id)["hint"] == hint
        assert hint in self.out


# ---- fixtures: a network to publish on, and host port 8088 to ourselves --------------------------

def port_free(port: int) -> bool:
    """Free as docker-proxy sees it: it binds with SO_REUSEADDR, so TIME_WAIT leftovers don't count."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@contextlib.contextmanager
def fixed_ports(*ports: int):
    """Host ports a lab fixes (8088, 802, 5000, ...): test sessions running at once on this machine
    take turns. Each port is held through an abstract unix socket, which the kernel frees with its
    holder and which leaves no file behind; ports are always taken in the same order (no deadlock
    between two sessions wanting overlapping ports). Then each port must be free on 127.0.0.1."""
    with contextlib.ExitStack() as stack:
        for port in sorted(ports):
            held = stack.enter_context(socket.socket(socket.AF_UNIX))
            while True:
                try:
                    held.bind(f"\0grade-test-port-{port}")
                    break
                except OSError:  # another session holds it
                    time.sleep(0.2)
        deadline = time.monotonic() + 30
        for port in ports:
            while not port_free(port):
                assert time.monotonic() < deadline, f"127.0.0.1:{port} is taken by something outside the tests"
                time.sleep(0.5)
        yield


@pytest.fixture
def port8088():
    """The chapter's port is fixed, so test sessions running at once on this machine take turns."""
    with fixed_ports(8088):
        yield 8088


@pytest.fixture
def net(student, port8088):
    """A network of the test's own (the engine has no default bridge); removed with what joined it.
    On Podman, slirp4netns: a network of the container's own that publishes from user space, where
    a bridge network would change the machine's firewall."""
    if PODMAN:  # nothing to remove but the containers, which the student fixture removes
        yield "slirp4netns"
        return
    name = f"grade-test-{uuid.uuid4().hex[:8]}"
    student.docker("network", "create", name)
    yield name
    ids = student.docker("container", "ls", "--all", "--quiet", "--filter", f"network={name}").split()
    if ids:
        student.docker("container", "rm", "--force", *ids, check=False)
    student.docker("network", "rm", name, check=False)


def ctrl_c_reaches_it() -> None:
    """preexec_fn of a grader that a test stops with Ctrl-C (SIGINT). A shell gives a command typed
    at a terminal SIGINT's default action; a suite started in the background by a script (`cmd &`)
    hands SIGINT down ignored, and then Ctrl-C would never reach the grader under test."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def grade_env(host: str | None, **extra) -> dict:
    """The environment `grade` runs in: the test engine's address replaces the user's; TLS
    settings stay (a dind test host needs them); English unless a test says otherwise."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DOCKER_HOST", "DOCKER_CONTEXT") and not k.startswith(("LC_", "LANG"))}
    env["LANG"] = "C.UTF-8"
    if host:
        env["DOCKER_HOST"] = host
    env.update(extra)
    return env


def rubric(tmp: Path, checks: str, name: str = "rubric.yaml") -> Path:
    """A one-section rubric file around the given checks (YAML, indented as list items)."""
    path = tmp / name
    path.write_text(
        "version: 1\nlab: test\ntitle: {en: Test lab, ko: 시험 실습}\nsections:\n"
        "  - id: s\n    title: {en: Section, ko: 절}\n    checks:\n"
        + "".join("      " + line + "\n" for line in checks.strip("\n").splitlines()))
    return path


def check(id: str, kind: str, points: int = 1, **params) -> str:
    """One check as rubric YAML."""
    import yaml

    body = {"id": id, "title": {"en": id, "ko": id}, "hint": {"en": "fix it", "ko": "고치세요"},
            "points": points, "kind": kind, **params}
    text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False)
    lines = text.splitlines()
    return "\n".join(["- " + lines[0]] + ["  " + line for line in lines[1:]])


def run_grade(*args, host: str | None, tmp: Path, env_extra: dict | None = None,
              read_only: bool = True) -> Graded:
    """Run the installed `grade` command as a user would, with a JSON report; by default also
    prove that the engine is exactly as it was before."""
    report_path = tmp / f"report-{len(list(tmp.glob('report-*')))}.json"
    env = grade_env(host, **(env_extra or {}))
    before = snapshot(host) if (host and read_only) else None
    result = subprocess.run(["grade", *args, "--json", str(report_path)], env=env, text=True,
                            capture_output=True, timeout=300)
    if before is not None:
        assert snapshot(host) == before, "grading changed the engine"
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return Graded(result.returncode, result.stdout, result.stderr, report)


@pytest.fixture
def grade(student, tmp_path):
    def run(*args, **kw):
        return run_grade(*(args or ("ch03",)), host=student.host, tmp=tmp_path, **kw)
    return run


# ------------------------------------------------------------------------- the run's temp folder
# pytest's default base (`pytest-of-<user>` in the temp dir) outlives the run and keeps the last
# runs' module and session folders (engines' data, graded reports). Each run gets a folder of its
# own instead, removed when the run ends; `--basetemp` given by hand is left alone.

_OWN_BASETEMP = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if config.option.basetemp is None:
        config.option.basetemp = tempfile.mkdtemp(prefix="grade-tests-")
        config.stash[_OWN_BASETEMP] = config.option.basetemp


def pytest_unconfigure(config):
    own = config.stash.get(_OWN_BASETEMP, None)
    if own is None:
        return
    with open("/proc/self/mounts") as mounts:
        # Never remove through a mount an engine left behind: that would empty its source.
        inside = [line.split()[1] for line in mounts if line.split()[1].startswith(own + os.sep)]
    if inside:
        print(f"\nthe test folder {own} is kept: {len(inside)} mount(s) still inside it, e.g. {inside[0]}")
        return
    shutil.rmtree(own, ignore_errors=True)
