"""What a student reads: honest totals, evidence that points at the mistake, hints that agree with
the lab, near-miss suggestions, the CLI's own words, and progress on a terminal."""
from __future__ import annotations

import os
import pty
import re
import subprocess

import yaml
from conftest import LAB, ROOT, check, grade_env, rubric, run_grade
from test_ch03_scenarios import ALL, WEB_PING, build_web_ping, chapter

CH03 = yaml.safe_load((ROOT / "rubrics" / "ch03.yaml").read_text())
HINTS = {c["id"]: c["hint"] for s in CH03["sections"] for c in s["checks"]}


def grade_cli(*args, env_extra=None):
    """`grade` without an engine (usage errors are found before one is needed)."""
    env = grade_env("unix:///nonexistent/docker.sock", **(env_extra or {}))
    return subprocess.run(["grade", *args], env=env, text=True, capture_output=True, timeout=60)


# ---- honest totals ------------------------------------------------------------------------------

def test_a_bonus_never_hides_a_failed_core_check(student, grade):
    chapter(student, web_ping=WEB_PING.replace('METHOD="HEAD"', 'METHOD="HAED"'))
    graded = grade()
    assert graded.status("web-ping-env") == "failed" and graded.code == 1
    assert "Total: 23/25 (92.0%), bonus +2 of 2" in graded.out
    assert "100" not in graded.out.splitlines()[-2] and "Every check passed" not in graded.out
    report = graded.report
    assert (report["score"], report["max_score"]) == (25, 25)  # the fields keep their meaning
    assert (report["core_score"], report["bonus_score"], report["bonus_max_score"]) == (23, 2, 2)
    assert report["core_percent"] == 92.0 and report["complete"] is False
    korean = grade("ch03", "--lang", "ko")
    assert "합계: 23/25 (92.0%), 보너스 +2점(최대 2점)" in korean.out
    assert "`grade ch03` 명령을 다시 실행하세요" in korean.out and "(를)" not in korean.out


# What may stay in Latin letters on a Korean screen: the values of this scenario (image names and
# tags, variables, Dockerfile instructions, files, the student's id) and the commands to type.
CH03_VALUES = {
    "diamol", "ch03-web-ping", "web-ping", "web-ping:latest", "web-ping:v3", "latest", "v3", "node", "ch03-lab",
    "ch03-lab-soln", "ch03lab", "ch03", "ch03.txt", "TARGET", "METHOD", "INTERVAL", "HEAD", "HAED", "Dockerfile",
    "Dockerfile.v3", "app.js", "ENV", "WORKDIR", "COPY", "CMD", "FROM", "blog.sixeyed.com", "google.com", "Ctrl-C",
    "docker", "grade", "Pinging", "commit", *HINTS,  # the check ids: a blocked check names its blocker
}


def latin_words(screen: str, student_id: str) -> set[str]:
    """Words in Latin letters on a screen, less what is typed (`...`), quoted ('...'), a path or a
    regex (/.../), a key=value, and the student's id in the heading."""
    screen = screen.replace(f"(ch03, {student_id})", "")
    commands = r"\bdocker (?:container|image) [a-z]+"  # the rubric's titles name the command they teach
    for pattern in (r"`[^`\n]*`", r"'[^'\n]*'", r"/[^\s]*", r"\b\w+=\S*", commands):
        screen = re.sub(pattern, " ", screen)
    return set(re.findall(r"[A-Za-z][A-Za-z0-9_.:-]*[A-Za-z0-9_]|[A-Za-z]", screen))


def test_a_korean_screen_has_no_english_word_outside_values_and_commands(student, grade):
    """LANGUAGE=ko (not --lang) on a partly solved chapter: a mistyped variable, no v3 image, no lab."""
    chapter(student, skip=("v3", "lab"), web_ping=WEB_PING.replace('METHOD="HEAD"', 'METHOD="HAED"'))
    graded = grade("ch03", env_extra={"LANGUAGE": "ko"})
    assert graded.code == 1 and graded.report["lang"] == "ko"
    assert graded.status("web-ping-env") == "failed" and graded.status("lab-image") != "passed"
    assert "해 볼 것:" in graded.out and "합계: " in graded.out
    english = [line for line in graded.out.splitlines() if latin_words(line, graded.report["student"]) - CH03_VALUES]
    assert english == [], "\n".join(english)
    # The same run in English says the same in English: the words above are the translation's.
    assert latin_words(grade("ch03").out, graded.report["student"]) - CH03_VALUES


def test_a_failed_bonus_is_not_every_check_passed(student, grade):
    chapter(student, skip=("v3",))
    graded = grade()
    assert graded.points() == {**ALL, "cache-order": 0} and graded.code == 0
    assert "Total: 25/25 (100.0%), bonus +0 of 2" in graded.out
    assert "Every check passed" not in graded.out
    assert "Every required check passed. The bonus marked ✗ is optional" in graded.out


# ---- evidence -----------------------------------------------------------------------------------

SHUFFLED = """FROM diamol/node
ENV TARGET="blog.sixeyed.com"
WORKDIR /web-ping
COPY app.js .
ENV METHOD="HEAD"
ENV INTERVAL="3000"
CMD ["node", "/web-ping/app.js"]
"""


def test_layers_evidence_says_where_the_order_breaks_among_the_students_own_entries(student, grade):
    build_web_ping(student, dockerfile=SHUFFLED)
    graded = grade()
    evidence = graded.check("web-ping-layers")["evidence"]
    assert evidence[0] == ("order breaks: `WORKDIR /web-ping` is entry 2, before `ENV INTERVAL=3000` "
                           "(entry 5), which comes first in the order")
    # Only the entries above diamol/node, in Dockerfile order: all six, none of the base's.
    assert [e.split(" ✓")[0] for e in evidence[1:6]] == [
        "1. ENV TARGET=blog.sixeyed.com", "2. WORKDIR /web-ping", "3. COPY app.js .",
        "4. ENV METHOD=HEAD", "5. ENV INTERVAL=3000"]
    assert len(evidence) == 7 and evidence[6].startswith("6. CMD ")
    assert "      · order breaks: `WORKDIR /web-ping` is entry 2" in graded.out
    assert "      · ... 3 more" in graded.out  # the terminal shows 4 lines and says how many it cut


def test_a_probe_of_an_image_without_its_script_names_the_missing_file(student, grade):
    build_web_ping(student, dockerfile=WEB_PING.replace("COPY app.js .\n", ""))
    graded = grade()
    found = graded.check("web-ping-env-behavior")
    assert "the image has no /web-ping/app.js" in found["message"]
    assert found["evidence"][:2] == ["exit code: 1", "output: Error: Cannot find module '/web-ping/app.js'"]
    assert "COPY app.js ." in found["hint"] and "CMD" not in found["hint"]
    assert "· output: Error: Cannot find module '/web-ping/app.js'" in graded.out
    assert re.search(r"      · \.\.\. \d+ more\n", graded.out)
    assert len(found["evidence"]) > 5  # the JSON keeps what the terminal cut


def test_a_probe_that_times_out_says_so_first(student, tmp_path, grade):
    slow = check("slow", "run", image="diamol/base", command="echo started; sleep 60", expect="never", timeout=1)
    graded = grade("--rubric", str(rubric(tmp_path, slow)))
    assert graded.check("slow")["evidence"][0] == "still running after 1 s; stopped"
    assert "      · still running after 1 s; stopped" in graded.out


# ---- hints and near misses ----------------------------------------------------------------------

def test_hints_agree_with_the_lab_readme():
    readme = (LAB / "README.md").read_text()
    readme_ko = (LAB / "README.ko.md").read_text()
    build_v3 = "docker image build --tag web-ping:v3 --file Dockerfile.v3 ."
    assert build_v3 in readme and build_v3 in readme_ko
    assert build_v3 in HINTS["cache-order"]["en"] and build_v3 in HINTS["cache-order"]["ko"]
    remove = "docker container rm -f ch03lab"
    assert remove in readme and remove in readme_ko
    for check_id in ("lab-container", "lab-commit", "lab-file"):
        assert remove in HINTS[check_id]["en"] and remove in HINTS[check_id]["ko"], check_id
    for hint in HINTS.values():
        assert not re.search(r"\((이|가|을|를|은|는)\)", hint["ko"]), hint["ko"]


def test_an_image_built_under_a_near_name_gets_did_you_mean(student, grade):
    build_web_ping(student, tag="webping")
    graded = grade()
    found = graded.check("web-ping-tag")
    assert "did you mean webping?" in found["message"]
    assert found["hint"].startswith("Give your image the name the lab asks for: "
                                    "`docker image tag webping web-ping:latest`")
    assert "Try: Give your image the name the lab asks for" in graded.out


def test_a_lower_case_variable_gets_did_you_mean(student, grade):
    cid = student.docker("container", "run", "--detach", "--env", "target=google.com",
                         "diamol/ch03-web-ping").strip()
    student.docker("container", "stop", cid)
    graded = grade()
    message = graded.check("env-override")["message"]
    assert "it also has target='google.com'" in message and "did you mean --env TARGET=google.com?" in message


def test_lab_ids_are_case_insensitive_and_a_mistyped_command_is_named():
    upper = grade_cli("CH03")
    assert upper.returncode == 3 and "Cannot reach the Docker Engine" in upper.stderr  # graded ch03
    typo = grade_cli("lsit")
    assert typo.returncode == 2 and "There is no command 'lsit'. Did you mean `grade list`?" in typo.stderr
    typo_ko = grade_cli("lsit", "--lang", "ko")
    assert "'lsit' 명령은 없습니다. `grade list` 명령을 찾으시나요?" in typo_ko.stderr


# ---- the CLI's own words ------------------------------------------------------------------------

def test_lab_help_and_errors_speak_of_grade_lab():
    helped = grade_cli("ch03", "--help")
    assert helped.returncode == 0 and "Usage: grade LAB [OPTIONS]" in helped.stdout
    assert "grade check" not in helped.stdout
    wrong = grade_cli("ch03", "--bogus")
    assert wrong.returncode == 2 and "Try 'grade LAB --help'" in wrong.stderr and "grade check" not in wrong.stderr


def test_a_lab_with_a_rubric_file_is_an_error(tmp_path):
    path = rubric(tmp_path, check("x", "image", image="diamol/base"))
    both = grade_cli("ch03", "--rubric", str(path))
    assert both.returncode == 2 and "Give a lab or --rubric FILE, not both" in both.stderr


def test_a_host_without_a_scheme_gets_the_address_meant():
    sock = grade_cli("ch03", "--host", "/var/run/docker.sock")
    assert sock.returncode == 2 and "Did you mean --host unix:///var/run/docker.sock?" in sock.stderr
    tcp = grade_cli("ch03", "--host", "docker:2376")
    assert tcp.returncode == 2 and "Did you mean --host tcp://docker:2376?" in tcp.stderr


# ---- progress on a terminal ---------------------------------------------------------------------

def on_a_terminal(args, env) -> str:
    """Run `grade` with a pseudo-terminal as its standard output and return all it wrote."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(["grade", *args], stdin=follower, stdout=follower, stderr=follower,
                            env=env, close_fds=True)
    os.close(follower)
    out = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other side closed: grade ended
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(leader)
        proc.wait(timeout=120)
    return out.decode()


def test_a_running_probe_shows_what_it_waits_for_before_its_result(student, tmp_path):
    path = rubric(tmp_path, "\n".join([
        check("quick", "image", image="diamol/base"),
        check("probe", "run", image="diamol/base", command="sleep 2; echo ready", expect="^ready$", timeout=10),
    ]))
    env = grade_env(student.host, COLUMNS="200")
    screen = on_a_terminal(["--rubric", str(path)], env)
    waiting = screen.find("… probe (0 s): waiting for `docker run diamol/base sleep 2; echo ready` prints /^ready$/")
    done = screen.find("✓\x1b[0m [1/1] probe")
    assert waiting != -1 and done != -1 and waiting < done, screen
    assert "\x1b[1F\x1b[J" in screen  # the running line is redrawn in place, not appended
    # Piped, the same run prints plain text once, with no progress lines.
    piped = run_grade("--rubric", str(path), host=student.host, tmp=tmp_path)
    assert "…" not in piped.out and "\x1b" not in piped.out
    assert piped.out.splitlines()[-2:] == ["Total: 2/2 (100.0%)", "Every check passed. Well done!"]


def final_screen(stream: str) -> str:
    """What stays on a terminal after `stream`: lines erased by `ESC[nF ESC[J` are gone, no colour."""
    lines: list[str] = []
    current = ""
    for token in re.split(r"(\x1b\[\d+F\x1b\[J|\r\n)", stream):
        if token == "\r\n":
            lines.append(current)
            current = ""
        elif m := re.fullmatch(r"\x1b\[(\d+)F\x1b\[J", token):
            del lines[len(lines) - int(m.group(1)):]
        else:
            current += token
    return re.sub(r"\x1b\[[0-9;]*m", "", "".join(line + "\n" for line in lines) + current)


def test_the_terminal_view_ends_with_the_same_report_as_the_piped_one(student, tmp_path):
    path = rubric(tmp_path, "\n".join([
        check("here", "image", image="diamol/base"),
        check("missing", "image", image="no-such-image"),
        check("probe", "run", image="diamol/base", command="echo ready", expect="^ready$"),
    ]))
    screen = on_a_terminal(["--rubric", str(path)], grade_env(student.host, COLUMNS="200"))
    piped = run_grade("--rubric", str(path), host=student.host, tmp=tmp_path)
    assert "…" in screen  # there was progress, and none of it is left
    assert final_screen(screen) == piped.out
