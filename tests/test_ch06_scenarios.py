"""What students type for chapter 6 (volumes and mounts), replayed on a real engine, and the grade
they get. The book's host ports (8010-8016) are fixed, so test sessions running at once on this
machine take turns (tests/labs.py); the volumes a test makes are removed after it."""
from __future__ import annotations

import pytest
import yaml
from conftest import ROOT, check, fixed_ports, rubric

from labs import failing, free_port, lab_network, solution, wait_for

RUBRIC = yaml.safe_load((ROOT / "rubrics" / "ch06.yaml").read_text())
ALL = {c["id"]: c["points"] for s in RUBRIC["sections"] for c in s["checks"]}
CONFIG = '{"ConnectionStrings": {"ToDoDb": "Filename=/new-data/todo-list.db"}}\n'


@pytest.fixture
def net(student):
    with fixed_ports(8010, 8011, 8012, 8013, 8015, 8016), lab_network(student) as name:
        yield name


def lab_run(student, net: str, *mounts: str) -> str:
    """`docker container run -d -p 8016:80 --network nat <mounts> diamol/ch06-lab`, waiting for its list."""
    cid = student.docker("container", "run", "-d", "-p", "127.0.0.1:8016:80", "--network", net, *mounts,
                         "diamol/ch06-lab").strip()
    wait_for("http://127.0.0.1:8016/list")
    return cid


def config_folder(student, name: str = "config.json", text: str = CONFIG) -> str:
    folder = student.workdir / f"config-{name}"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return str(folder)


def remove(student, *ids: str) -> None:
    student.docker("container", "rm", "-f", "-v", *ids)


def test_reference_solution_scores_full_marks(student, grade, net):
    solution(student, "ch06", CH06_NETWORK=net)
    graded = grade("ch06")
    assert graded.points() == ALL, {c["id"]: c["message"] for c in graded.report["checks"]}
    assert graded.code == 0 and "18/18" in graded.out
    # The exercises' containers are gone: the todo-list volume is read through a probe of diamol/base.
    assert "mounted by 0 containers" in graded.evidence("exercise-volume")
    assert "Finish chapter 6" in graded.evidence("exercise-volume")
    assert "bind" in graded.evidence("lab-config-mount") and "(ro)" in graded.evidence("lab-config-mount")


def test_untouched_engine_scores_nothing(student, grade):
    graded = grade("ch06")
    assert graded.code == 1 and graded.report["score"] == 0
    assert "no volume named todo-list" in graded.check("exercise-volume")["message"]
    assert graded.status("lab-db-in-volume") == "skipped"
    graded.assert_hint_shown("lab-volume")


def test_students_of_the_lab_one_after_another(student, grade, net):
    student.docker("container", "run", "-d", "-p", "127.0.0.1:8015:80", "--network", net, "diamol/ch06-lab")
    wait_for("http://127.0.0.1:8015/list", "Learn Kubernetes")
    config = config_folder(student)
    student.docker("volume", "create", "ch06-lab")

    # The volume, but no config: the app keeps the image's database.
    cid = lab_run(student, net, "--volume", "ch06-lab:/new-data")
    graded = grade("ch06")
    assert set(failing(graded)) == {"exercise-volume", "lab-config-mount", "lab-config-file",
                                    "lab-db-in-volume", "lab-empty-list"}
    assert "wanted a bind mount at /app/config or /app/config/config.json read-only" in \
        graded.check("lab-config-mount")["message"]
    assert "no file in volume ch06-lab matches *" in graded.check("lab-db-in-volume")["message"]
    assert "it is empty" in graded.evidence("lab-db-in-volume")
    remove(student, cid)

    # The config folder mounted read-write.
    cid = lab_run(student, net, "--mount", f"type=bind,source={config},target=/app/config",
                  "--volume", "ch06-lab:/new-data")
    graded = grade("ch06")
    assert set(failing(graded)) == {"exercise-volume", "lab-config-mount"}
    assert "it is read-write" in graded.check("lab-config-mount")["message"]
    remove(student, cid)
    student.docker("volume", "rm", "ch06-lab")
    student.docker("volume", "create", "ch06-lab")

    # The volume at another folder than the config names: the database stays in the container.
    cid = lab_run(student, net, "--mount", f"type=bind,source={config},target=/app/config,readonly",
                  "--volume", "ch06-lab:/data")
    graded = grade("ch06")
    assert set(failing(graded)) == {"exercise-volume", "lab-db-in-volume"}
    remove(student, cid)

    # The config file under another name: the app never reads it.
    other = config_folder(student, "appsettings.json")
    cid = lab_run(student, net, "--mount", f"type=bind,source={other},target=/app/config,readonly",
                  "--volume", "ch06-lab:/new-data")
    graded = grade("ch06")
    assert set(failing(graded)) == {"exercise-volume", "lab-config-file", "lab-db-in-volume", "lab-empty-list"}
    assert "/app/config/config.json does not exist" in graded.check("lab-config-file")["message"]
    remove(student, cid)

    # The config folder mounted over /app: the app is hidden and the container exits.
    # `docker container run` creates the container, then fails to start it: /app/todo-list is hidden.
    # Named, to be found afterwards on every engine (Podman's remote client has no `ls --latest`).
    student.docker("container", "run", "-d", "--name", "ch06-over-app", "-p", "127.0.0.1:8016:80", "--network",
                   net, "--mount", f"type=bind,source={config},target=/app,readonly", "--volume",
                   "ch06-lab:/new-data", "diamol/ch06-lab", check=False)
    cid = "ch06-over-app"
    graded = grade("ch06")
    assert failing(graded).get("lab-running") == "failed"
    assert failing(graded).get("lab-config-mount") == "skipped"
    remove(student, cid)

    # A host folder for the data instead of the volume.
    student.docker("volume", "rm", "ch06-lab")
    data = student.workdir / "data"
    data.mkdir()
    cid = lab_run(student, net, "--mount", f"type=bind,source={config},target=/app/config,readonly",
                  "--mount", f"type=bind,source={data},target=/new-data")
    graded = grade("ch06")
    assert {"lab-volume", "lab-data-mount"} <= set(failing(graded))
    assert failing(graded).get("lab-db-in-volume") == "skipped"
    assert graded.status("lab-empty-list") == "passed"
    remove(student, cid)
    # The app wrote its database as root into the test's folder: leave nothing behind.
    student.docker("container", "run", "--rm", "--network", "none", "-v", f"{data}:/d", "diamol/base",
                   "rm", "-f", "/d/todo-list.db")

    # The volume kind on its own: no container mounts the volume and the probe image is missing.
    student.docker("volume", "create", "ch06-lab")
    own = rubric(student.workdir, "\n".join([
        check("file", "volume", name="ch06-lab", path="todo-list.db", probe_image="no-such-image"),
        check("gone", "volume", name="no-such-volume"),
    ]))
    graded = grade("--rubric", str(own))
    assert "no container mounts ch06-lab and no-such-image is not on the engine" in graded.check("file")["message"]
    assert "no volume named no-such-volume" in graded.check("gone")["message"]


def test_the_database_under_a_name_of_the_students_own_is_in_the_volume(student, grade, net):
    """config.json may name any file in /new-data: the app creates that one, and it is the
    database. The volume kind's wildcard finds it, and with `matches` judges each file it matches."""
    config = config_folder(student, text=CONFIG.replace("todo-list.db", "my-tasks.sqlite"))
    student.docker("volume", "create", "ch06-lab")
    cid = lab_run(student, net, "--mount", f"type=bind,source={config},target=/app/config,readonly",
                  "--volume", "ch06-lab:/new-data")
    graded = grade("ch06")
    assert graded.status("lab-db-in-volume") == "passed", graded.check("lab-db-in-volume")["message"]
    assert "my-tasks.sqlite in volume ch06-lab is as expected" in graded.check("lab-db-in-volume")["message"]

    # Another file in the volume, first by name: each file the wildcard matches is judged in turn.
    student.docker("container", "run", "--rm", "--network", "none", "-v", "ch06-lab:/d", "diamol/base",
                   "sh", "-c", "echo not a list > /d/a-notes.txt")
    own = rubric(student.workdir, "\n".join([
        check("list", "volume", name="ch06-lab", path="*", matches=r"\A\["),
        check("nothing", "volume", name="ch06-lab", path="*", matches="^nothing"),
        check("text", "volume", name="ch06-lab", path="*.md"),
    ]))
    graded = grade("--rubric", str(own))
    assert graded.check("list")["message"] == "my-tasks.sqlite in volume ch06-lab is as expected"
    assert graded.check("nothing")["message"] == ("none of the 2 files matching * in volume ch06-lab is as "
                                                  "expected")
    assert "a-notes.txt in volume ch06-lab does not match /^nothing/" in graded.evidence("nothing")
    assert graded.check("text")["message"] == "no file in volume ch06-lab matches *.md"
    assert "in it: a-notes.txt, my-tasks.sqlite" in graded.evidence("text")
    remove(student, cid)


def test_config_file_itself_mounted_read_only(student, grade, net):
    """The book's lab asks for the config read-only: mounting only config.json at
    /app/config/config.json does that as well as mounting its folder; read-write, it does not."""
    config = config_folder(student)
    student.docker("volume", "create", "ch06-lab")
    cid = lab_run(student, net, "--mount", f"type=bind,source={config}/config.json,target=/app/config/config.json,"
                  "readonly", "--volume", "ch06-lab:/new-data")
    wait_for("http://127.0.0.1:8016/list", "Nothing to do yet")
    graded = grade("ch06")
    assert graded.status("lab-config-mount") == "passed", graded.check("lab-config-mount")["message"]
    assert "/app/config/config.json (ro)" in graded.evidence("lab-config-mount")
    assert graded.status("lab-empty-list") == graded.status("lab-db-in-volume") == "passed"
    remove(student, cid)

    lab_run(student, net, "--mount", f"type=bind,source={config}/config.json,target=/app/config/config.json",
            "--volume", "ch06-lab:/new-data")
    graded = grade("ch06")
    assert graded.status("lab-config-mount") == "failed"
    assert "mounts /app/config/config.json, but it is read-write" in graded.check("lab-config-mount")["message"]


def test_a_first_try_on_another_port_lends_nothing_to_the_container_on_8016(student, grade, net):
    """A student runs the lab right first, but publishes it on another port; then runs it again
    with -p 8016:80 and forgets the volume, leaving both running. The list on 8016 lives in that
    container's own layer and goes with it: the volume checks judge the container on 8016, not
    the first try, which alone mounts ch06-lab."""
    config = config_folder(student)
    student.docker("volume", "create", "ch06-lab")
    mount = f"type=bind,source={config},target=/app/config,readonly"
    other = free_port()
    student.docker("container", "run", "-d", "-p", f"127.0.0.1:{other}:80", "--network", net,
                   "--mount", mount, "--volume", "ch06-lab:/new-data", "diamol/ch06-lab")
    wait_for(f"http://127.0.0.1:{other}/list", "Nothing to do yet")
    on_8016 = lab_run(student, net, "--mount", mount)
    wait_for("http://127.0.0.1:8016/list", "Nothing to do yet")
    graded = grade("ch06")
    assert failing(graded) == {"exercise-volume": "failed", "lab-image-run": "failed",
                               "lab-data-mount": "failed", "lab-db-in-volume": "skipped"}
    name = student.docker("container", "inspect", "--format", "{{.Name}}", on_8016).strip().lstrip("/")
    assert graded.check("lab-data-mount")["message"] == (f"{name} has no such mount; wanted a volume of "
                                                         "ch06-lab read-write")
    graded.assert_hint_shown("lab-data-mount")
    # Config and its read-only mount are the 8016 container's own, so they still count.
    assert name in graded.check("lab-config-mount")["message"]

    # Only the first try, on the other port: the lab's checks find no container on 8016.
    remove(student, on_8016)
    graded = grade("ch06")
    assert graded.status("lab-running") == "failed"
    assert {graded.status(c) for c in ("lab-config-mount", "lab-config-file", "lab-data-mount")} == {"skipped"}

    # The own-rubric view of the lookup: the first try publishes the other port, not 8016.
    own = rubric(student.workdir, check("on-8016", "container_mount", image="diamol/ch06-lab", publishes=8016,
                                        type="volume", source="ch06-lab"), name="publishes.yaml")
    graded = grade("--rubric", str(own))
    assert graded.status("on-8016") == "failed"
    assert "does not publish host port 8016; the check is about the container published there" in \
        graded.check("on-8016")["message"]
    assert f":{other}" in graded.evidence("on-8016")
