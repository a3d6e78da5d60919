"""What students type for chapter 4 (multi-stage builds), replayed on a real engine with both
builders, and the grade they get. The book's host ports (802, 804, 805) are fixed, so test
sessions running at once on this machine take turns (tests/labs.py)."""
from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import PODMAN, ROOT, docker_only, fixed_ports

from labs import containers_of, failing, lab_network, solution, wait_for

LAB = ROOT / "labs" / "ch04"
RUBRIC = yaml.safe_load((ROOT / "rubrics" / "ch04.yaml").read_text())
ALL = {c["id"]: c["points"] for s in RUBRIC["sections"] for c in s["checks"]}
LAB_CHECKS = [c["id"] for s in RUBRIC["sections"] if s["id"] == "lab" for c in s["checks"]]

OPTIMIZED = (LAB / "solution" / "Dockerfile.optimized").read_text()
# The final stage on the SDK image again: multi-stage in name only.
ON_GOLANG = OPTIMIZED.replace("FROM diamol/base", "FROM diamol/golang")
NO_PAGE = OPTIMIZED.replace("COPY index.html .", "")
NO_USER = OPTIMIZED.replace('ENV USER="sixeyed"', "")
PAGE_FIRST = OPTIMIZED.replace("COPY --from=builder /server .", "COPY index.html .\nCOPY --from=builder /server .", 1) \
    .rsplit("COPY index.html .", 1)[0]


def lab_failing(graded) -> set[str]:
    """The lab's checks that did not pass (these students skipped the exercises)."""
    return {k for k in failing(graded) if k in LAB_CHECKS}


@pytest.fixture
def net(student):
    with fixed_ports(802, 804, 805), lab_network(student) as name:
        yield name


class Lab:
    """The lab folder of one student: the book's files, their Dockerfiles, their commands."""

    def __init__(self, student, network: str):
        self.student, self.network = student, network
        self.folder = student.workdir / "lab"
        shutil.copytree(LAB / "lab", self.folder)
        # The test engine has no default bridge: builds need --network none (their RUN steps need none).
        self.build_opts = ["--network", "none"]

    def build(self, tag: str, dockerfile: str | None = None) -> None:
        args = ["image", "build", *self.build_opts, "-t", tag]
        if dockerfile is not None:
            (self.folder / "Dockerfile.optimized").write_text(dockerfile)
            args += ["-f", "Dockerfile.optimized"]
        self.student.docker(*args, ".", cwd=self.folder)

    def run(self, image: str, publish: str) -> str:
        """`docker container run -d -p <publish> --network nat <image>`: its id."""
        return self.student.docker("container", "run", "-d", "-p", publish, "--network", self.network,
                                   image).strip()

    def remove_containers(self, image: str) -> None:
        ids = containers_of(self.student, image)
        if ids:
            self.student.docker("container", "rm", "-f", *ids)

    def optimized(self, dockerfile: str, publish: str = "127.0.0.1:805:80") -> None:
        """Rebuild ch04-lab:optimized from `dockerfile` and run it in place of the last one."""
        self.remove_containers("ch04-lab:optimized")
        self.build("ch04-lab:optimized", dockerfile)
        self.run("ch04-lab:optimized", publish)


# On Podman the legacy-builder runs would repeat the BuildKit ones: it has one builder.
ONE_BUILDER = "Podman builds with buildah whatever DOCKER_BUILDKIT says"


@pytest.mark.parametrize("buildkit", [True, pytest.param(False, marks=docker_only(ONE_BUILDER))],
                         ids=["buildkit", "legacy-builder"])
def test_reference_solution_scores_full_marks(student, grade, net, buildkit):
    student.buildkit = buildkit
    solution(student, "ch04", CH04_NETWORK=net)
    graded = grade("ch04")
    assert graded.points() == ALL, {c["id"]: c["message"] for c in graded.report["checks"]}
    assert graded.code == 0 and graded.report["score"] == 27 and graded.report["max_score"] == 26
    assert "Total: 26/26 (100.0%), bonus +1 of 1" in graded.out
    assert "ratio: 0.0" in graded.evidence("lab-optimized-smaller")  # a few per cent of the original
    assert "no /usr/local/go" in graded.evidence("lab-optimized-binary")


def test_untouched_engine_scores_nothing_of_the_lab(student, grade):
    graded = grade("ch04")
    assert graded.code == 1 and graded.report["score"] == 0
    assert graded.status("lab-optimized") == "failed"
    assert "image ch04-lab:optimized not found" in graded.check("lab-optimized")["message"]
    assert graded.status("lab-optimized-small") == "skipped"
    graded.assert_hint_shown("lab-optimized")


def test_wrong_and_partial_lab_solutions(student, grade, net):
    """Students of the lab, one after another on the same engine (the original image is built
    once): each mistake costs the checks that see it, and only those."""
    lab = Lab(student, net)
    # Only the original image, built and run: the optimized part is all missing.
    lab.build("ch04-lab")
    lab.run("ch04-lab", "127.0.0.1:804:80")
    wait_for("http://127.0.0.1:804/", "sixeyed")
    graded = grade("ch04")
    assert graded.status("lab-original") == graded.status("lab-original-runs") == "passed"
    assert set(failing(graded)) >= set(LAB_CHECKS) - {"lab-original", "lab-original-runs"}

    # The single-stage image tagged as the optimized one: present, but as big and on the SDK.
    student.docker("image", "tag", "ch04-lab", "ch04-lab:optimized")
    graded = grade("ch04")
    assert graded.status("lab-optimized") == "passed"
    assert {"lab-optimized-base", "lab-optimized-small", "lab-optimized-smaller",
            "lab-optimized-binary"} <= set(failing(graded))
    assert "is built on diamol/golang" in graded.check("lab-optimized-base")["message"]
    assert "more than 25MB" in graded.check("lab-optimized-small")["message"]
    student.docker("image", "rm", "ch04-lab:optimized")

    # Multi-stage in name only: the final stage is the SDK image again.
    lab.optimized(ON_GOLANG)
    wait_for("http://127.0.0.1:805/", "sixeyed")
    graded = grade("ch04")
    assert graded.status("lab-optimized-page") == "passed"
    assert {"lab-optimized-base", "lab-optimized-small", "lab-optimized-smaller",
            "lab-optimized-binary"} <= set(failing(graded))
    assert "/usr/local/go is still in ch04-lab:optimized" in graded.check("lab-optimized-binary")["message"]

    # index.html left behind in the build stage: small, but the server cannot start.
    lab.optimized(NO_PAGE)
    student.docker("container", "wait", containers_of(student, "ch04-lab:optimized")[0])
    graded = grade("ch04")
    assert graded.status("lab-optimized-small") == graded.status("lab-optimized-smaller") == "passed"
    assert failing(graded).get("lab-optimized-binary") == "failed"
    assert "/web/index.html does not exist" in graded.check("lab-optimized-binary")["message"]
    assert failing(graded).get("lab-optimized-runs") == "failed"
    assert failing(graded).get("lab-optimized-page") == "skipped"

    # ENV USER forgotten in the final stage: the page names nobody.
    lab.optimized(NO_USER)
    wait_for("http://127.0.0.1:805/", "solution")
    graded = grade("ch04")
    assert lab_failing(graded) == {"lab-optimized-config", "lab-optimized-page"}
    assert "USER" in graded.check("lab-optimized-config")["message"]

    # The right image, published on the wrong container port.
    lab.optimized(OPTIMIZED, publish="127.0.0.1:805:8080")
    graded = grade("ch04")
    assert lab_failing(graded) == {"lab-optimized-runs", "lab-optimized-page"}

    # The page copied before the server: right, but a change to the page rebuilds more (bonus lost).
    # Podman's builder (buildah), like Docker's legacy one, records each COPY as `COPY file:<hash>`,
    # without the file's name, so there any last COPY earns the bonus: the limit rubrics/README.md states.
    lab.optimized(PAGE_FIRST)
    wait_for("http://127.0.0.1:805/", "sixeyed")
    graded = grade("ch04")
    assert lab_failing(graded) == (set() if PODMAN else {"lab-cache-order"})

    # The optimized Dockerfile built as ch04-lab: the original tag moved, the new one is missing.
    lab.remove_containers("ch04-lab:optimized")
    student.docker("image", "rm", "ch04-lab:optimized")
    lab.build("ch04-lab", OPTIMIZED)
    graded = grade("ch04")
    assert failing(graded).get("lab-original") == "failed"
    assert "is not built on diamol/golang" in graded.check("lab-original")["message"]
    assert failing(graded).get("lab-optimized") == "failed"


@docker_only(ONE_BUILDER)
def test_legacy_builder_multi_stage_on_the_sdk(student, grade, net):
    """The legacy builder leaves the builder stage as a dangling image and writes its history
    differently; the verdicts are the same."""
    student.buildkit = False
    lab = Lab(student, net)
    lab.build("ch04-lab")
    lab.optimized(ON_GOLANG)
    graded = grade("ch04")
    assert {"lab-optimized-base", "lab-optimized-small", "lab-optimized-smaller",
            "lab-optimized-binary"} <= set(failing(graded))
    lab.optimized(OPTIMIZED)
    wait_for("http://127.0.0.1:805/", "sixeyed")
    graded = grade("ch04")
    for check_id in LAB_CHECKS:
        if check_id not in ("lab-original-runs",):
            assert graded.status(check_id) == "passed", (check_id, graded.check(check_id)["message"])


@pytest.mark.parametrize("lab, shown", [("ch04", "25MB"), ("ch05", "gallery/ui"), ("ch06", "/app/config")])
def test_explain_without_an_engine_and_list_shows_five_labs(lab, shown):
    import subprocess

    from conftest import grade_env
    env = grade_env(None, DOCKER_HOST="unix:///nonexistent.sock")  # explain never touches an engine
    explained = subprocess.run(["grade", "explain", lab], env=env, text=True, capture_output=True, timeout=60)
    assert explained.returncode == 0, explained.stderr
    assert shown in explained.stdout and "hint: " in explained.stdout
    listed = subprocess.run(["grade", "list"], env=env, text=True, capture_output=True, timeout=60)
    assert [line.split()[0] for line in listed.stdout.splitlines() if line.strip()] == \
        ["ch02", "ch03", "ch04", "ch05", "ch06"]


@pytest.mark.parametrize("buildkit", [True, pytest.param(False, marks=docker_only(ONE_BUILDER))],
                         ids=["buildkit", "legacy-builder"])
def test_multi_stage_that_only_echoes_the_lines_earns_nothing(student, grade, buildkit):
    """A one-stage image whose command prints both lines is not a multi-stage build; the
    exercise's own Dockerfile, built after it, is."""
    student.buildkit = buildkit
    student.build("multi-stage", "FROM diamol/base\nCMD echo Building... && echo Testing...\n")
    graded = grade("ch04")
    assert graded.status("multi-stage-built") == "passed"
    assert graded.status("multi-stage-runs") == "failed"
    assert "the first, `COPY /build.txt`, is not in it at all" in graded.check("multi-stage-runs")["message"]
    graded.assert_hint_shown("multi-stage-runs")

    student.docker("image", "build", "--network", "none", "-t", "multi-stage",
                   str(LAB / "exercises" / "multi-stage"))
    graded = grade("ch04")
    assert graded.status("multi-stage-runs") == "passed", graded.check("multi-stage-runs")["message"]


def test_optimized_image_rebuilt_after_its_container_ran(student, grade, net):
    """The student runs ch04-lab:optimized, then changes index.html and rebuilds it: their
    container still runs the older build. The grade says so, and what to type: not "no container
    was created", which sends them to run it again into "port is already allocated"."""
    lab = Lab(student, net)
    # The original image: these checks only need the tag (chapter 4's Go build is tested above).
    student.docker("image", "tag", "diamol/golang", "ch04-lab")
    lab.optimized(OPTIMIZED)
    wait_for("http://127.0.0.1:805/", "sixeyed")
    old = containers_of(student, "ch04-lab:optimized")[0]
    name = student.docker("container", "inspect", "--format", "{{.Name}}", old).strip().lstrip("/")
    page = lab.folder / "index.html"
    page.write_text(page.read_text().replace("solution", "solution, rebuilt"))
    lab.build("ch04-lab:optimized", OPTIMIZED)
    assert old not in containers_of(student, "ch04-lab:optimized")

    graded = grade("ch04")
    assert graded.status("lab-optimized-runs") == "failed"
    message = graded.check("lab-optimized-runs")["message"]
    assert f"{name} was created from ch04-lab:optimized before it was rebuilt" in message, message
    assert f"`docker container rm -f {name}`" in message
    assert name in graded.evidence("lab-optimized-runs")
    korean = grade("ch04", "--lang", "ko")
    assert f"{name} 컨테이너는 ch04-lab:optimized 이미지를 다시 빌드하거나" in \
        korean.check("lab-optimized-runs")["message"]

    # As the message says: remove the old container, run the new build.
    student.docker("container", "rm", "-f", name)
    lab.run("ch04-lab:optimized", "127.0.0.1:805:80")
    wait_for("http://127.0.0.1:805/", "rebuilt")
    graded = grade("ch04")
    assert graded.status("lab-optimized-runs") == graded.status("lab-optimized-page") == "passed"
