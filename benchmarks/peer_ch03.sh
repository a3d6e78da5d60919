#!/usr/bin/env bash
# The comparison peer for `grade ch03`: the 14 outcomes of rubrics/ch03.yaml, checked one after
# another with the docker CLI, the way a careful instructor's grading script does it.
#
#   DOCKER_HOST=... benchmarks/peer_ch03.sh        (DOCKER picks the CLI; default: docker)
#
# Each check is a function that asks the engine for what it needs (image/container inspect with
# Go templates, image history, container ls --filter, logs --tail (and the first 64 KB of the log
# only when the tail does not show it, as grade reads logs), docker cp from a created and
# never-started container, one `docker run --rm --network none` per behaviour probe, polling logs
# rather than sleeping). Checks do not share results with each other, like separate script steps.
# Output: one line per check, then `score: N/25` (bonus included in N, as grade counts it).
# It leaves nothing behind: every container it creates is removed before it exits.
set -uo pipefail

docker=${DOCKER:-docker}
LOG_TAIL=200
LOG_HEAD=64000
MARK=org.peer.ch03 # label on what this script creates, so a trap can remove it
created=()

cleanup() {
  if [ ${#created[@]} -gt 0 ]; then
    "$docker" container rm --force "${created[@]}" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Same limits grade puts on its probes: no network, no capabilities, capped memory, pids and CPU,
# a read-only root with a small /tmp.
PROBE_OPTS=(--network none --memory 256m --memory-swap 256m --pids-limit 128 --cpus 0.5 --cap-drop ALL
  --security-opt no-new-privileges --read-only --tmpfs /tmp:rw,nosuid,nodev,size=16m --label "$MARK=1")

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# ---- engine helpers -------------------------------------------------------------------------------

image_id() { "$docker" image inspect --format '{{.Id}}' "$1" 2>/dev/null; }

# RootFS layers on one line, each followed by a space (so a prefix test is a layer-by-layer test).
layers() { "$docker" image inspect --format '{{range .RootFS.Layers}}{{.}} {{end}}' "$1" 2>/dev/null; }

# built_on IMAGE BASE: the image's layers start with the base's layers.
built_on() {
  local mine theirs
  mine=$(layers "$1") || return 1
  theirs=$(layers "$2") || return 1
  [ -n "$theirs" ] && [[ $mine == "$theirs"* ]]
}

# History, oldest entry first: CreatedAt<TAB>CreatedBy<TAB>Comment.
history_rows() {
  "$docker" image history --no-trunc --human=false \
    --format '{{.CreatedAt}}{{"\t"}}{{.CreatedBy}}{{"\t"}}{{.Comment}}' "$1" 2>/dev/null | tac
}

# own_rows IMAGE_ROWS BASE_ROWS: the rows above the base (oldest first); fails if the base's
# rows are not the bottom of the image's.
own_rows() {
  local image=$1 base=$2 n_image n_base
  n_image=$(printf '%s\n' "$image" | grep -c '')
  n_base=$(printf '%s\n' "$base" | grep -c '')
  [ -n "$base" ] && [ "$n_image" -ge "$n_base" ] || return 1
  [ "$(printf '%s\n' "$image" | head -n "$n_base")" = "$base" ] || return 1
  printf '%s\n' "$image" | tail -n +"$((n_base + 1))"
}

# Rows as Dockerfile steps, one per line: "INSTRUCTION args", "RUN cmd", or "- created_by" for an
# entry no builder wrote (a commit). Legacy builder: `/bin/sh -c #(nop)  ENV A=b`; BuildKit:
# `ENV A=b` with the comment buildkit.dockerfile.v0 (and, in --no-trunc, a `# buildkit` suffix).
steps() {
  awk -F '\t' '
    BEGIN { split("ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL STOPSIGNAL USER VOLUME WORKDIR", l, " ")
            for (i in l) known[l[i]] = 1 }
    NF == 0 { next }
    {
      by = $2; comment = $3
      sub(/^[ \t]+/, "", by); sub(/[ \t]+$/, "", by)
      buildkit = (by ~ /# buildkit$/ || comment == "buildkit.dockerfile.v0")
      sub(/[ \t]*# buildkit$/, "", by)
      nop = (by ~ /^\/bin\/sh -c #\(nop\)/)
      if (nop) sub(/^\/bin\/sh -c #\(nop\)[ \t]*/, "", by)
      word = by; sub(/ .*/, "", word); args = substr(by, length(word) + 2)
      if ((toupper(word) in known) && (nop || buildkit)) print toupper(word) " " args
      else if (buildkit || by ~ /^\/bin\/sh -c / || by ~ /^\|[0-9]+ /) print "RUN " by
      else print "- " by
    }'
}

# in_order "WANT;WANT;..." [last]: reads steps on stdin; succeeds if the wanted steps appear in
# order (a want is "INSTRUCTION [key]"); with `last`, the final want must be the newest step.
in_order() {
  awk -v wants="$1" -v last="${2:-}" '
    function keys(ins, args,    out, n, w, i, rest, m) {
      delete K; n = 0
      if (ins == "ENV" || ins == "LABEL" || ins == "ARG") {
        rest = " " args
        while (match(rest, /[ \t][A-Za-z_][A-Za-z0-9_.-]*=/)) {
          K[++n] = substr(rest, RSTART + 1, RLENGTH - 2); rest = substr(rest, RSTART + RLENGTH)
        }
        if (n == 0) { split(args, w, " "); if (w[1] != "") K[++n] = w[1] }
      } else if (ins == "COPY" || ins == "ADD") {
        m = split(args, w, " "); out = 0
        for (i = 1; i <= m; i++) if (w[i] !~ /^--/) W[++out] = w[i]
        for (i = 1; i <= (out > 1 ? out - 1 : out); i++) K[++n] = W[i]
      } else { split(args, w, " "); if (w[1] != "") K[++n] = w[1] }
      return n
    }
    function matches(want, ins, args,    wi, wk, n, i, k, a) {
      wi = want; sub(/ .*/, "", wi); wk = (want ~ / /) ? substr(want, index(want, " ") + 1) : ""
      if (ins != wi) return 0
      if (wk == "") return 1
      n = keys(ins, args)
      if (ins == "COPY" || ins == "ADD") {
        for (i = 1; i <= n; i++) if (K[i] ~ /^(file|dir|multi):[0-9a-f]+$/) return 1
        for (i = 1; i <= n; i++) {
          k = K[i]; sub(/\/+$/, "", k); w2 = wk; sub(/\/+$/, "", w2)
          if (k == w2 || (length(K[i]) > length(wk) && substr(K[i], length(K[i]) - length(wk)) == "/" wk)) return 1
        }
        return 0
      }
      for (i = 1; i <= n; i++) if (K[i] == wk) return 1
      if (ins == "WORKDIR") { a = args; sub(/\/+$/, "", a); w2 = wk; sub(/\/+$/, "", w2); return a == w2 }
      return 0
    }
    BEGIN { nw = split(wants, want, ";"); at = 1 }
    {
      ins = $0; sub(/ .*/, "", ins); args = (index($0, " ") ? substr($0, index($0, " ") + 1) : "")
      n++
      if (at <= nw && matches(want[at], ins, args)) { hit = n; at++ }
    }
    END {
      if (at <= nw) exit 1
      if (last != "" && hit != n) exit 1
      exit 0
    }'
}

# read_file IMAGE PATH: the file's content, through `docker cp` from a created, never-started
# container (the student's image is not run, and an image without cat reads the same).
read_file() {
  local cid rc
  cid=$("$docker" container create --label "$MARK=1" --network none \
    --entrypoint /.peer-never-started "$1" 2>/dev/null) || return 1
  created+=("$cid")
  "$docker" cp "$cid:$2" - 2>/dev/null | tar -xO 2>/dev/null | head -c 1000000
  rc=${PIPESTATUS[0]}
  [ "$rc" -ne 141 ] || rc=0 # SIGPIPE: the file is longer than the cap, which head kept
  "$docker" container rm --force "$cid" >/dev/null 2>&1
  unset 'created[-1]'
  return "$rc"
}

# probe_until TIMEOUT REGEX [docker run args...]: runs the image detached, polls its logs until
# they match the (extended) regex, the container is gone or TIMEOUT seconds pass; then removes it.
probe_until() {
  local timeout=$1 regex=$2 cid deadline logs rc=1
  shift 2
  cid=$("$docker" container run --detach --rm "${PROBE_OPTS[@]}" "$@" 2>/dev/null) || return 1
  created+=("$cid")
  deadline=$(($(now_ms) + timeout * 1000))
  while :; do
    if ! logs=$("$docker" container logs --tail "$LOG_TAIL" "$cid" 2>&1); then
      break # gone: it exited and --rm removed it
    fi
    if grep -qE -- "$regex" <<<"$logs"; then
      rc=0
      break
    fi
    [ "$(now_ms)" -lt "$deadline" ] || break
    sleep 0.05
  done
  "$docker" container rm --force "$cid" >/dev/null 2>&1
  unset 'created[-1]'
  return "$rc"
}

# ---- the checks, in rubric order ------------------------------------------------------------------

check_pull_web_ping() { image_id diamol/ch03-web-ping >/dev/null; }

# A container from diamol/ch03-web-ping or web-ping, TARGET set and not the default, whose logs
# show `Pinging: <its TARGET>`.
check_env_override() {
  local ids=() filters=() ref id row cid image target field logs
  for ref in diamol/ch03-web-ping web-ping; do
    id=$(image_id "$ref") || continue
    ids+=("$id")
    filters+=(--filter "ancestor=$id")
  done
  [ ${#ids[@]} -gt 0 ] || return 1
  local candidates
  candidates=$("$docker" container ls --all --quiet --no-trunc "${filters[@]}") || return 1
  [ -n "$candidates" ] || return 1
  # One inspect for all candidates: id, image id, then every env entry, tab-separated.
  # shellcheck disable=SC2086
  while IFS=$'\t' read -r -a row; do
    cid=${row[0]} image=${row[1]} target=
    [[ " ${ids[*]} " == *" $image "* ]] || continue # ancestor also matches child images
    for field in "${row[@]:2}"; do
      [[ $field == TARGET=* ]] && target=${field#TARGET=}
    done
    [ -n "$target" ] && [ "$target" != blog.sixeyed.com ] || continue
    logs=$("$docker" container logs --tail "$LOG_TAIL" "$cid" 2>&1)
    grep -qF -- "Pinging: $target" <<<"$logs" && return 0
    # A start-up line may have scrolled out of the tail: also read the first 64 KB (as grade
    # does), never the whole log.
    logs=$("$docker" container logs "$cid" 2>&1 | head -c "$LOG_HEAD")
    grep -qF -- "Pinging: $target" <<<"$logs" && return 0
  done < <("$docker" container inspect \
    --format '{{.Id}}{{"\t"}}{{.Image}}{{range .Config.Env}}{{"\t"}}{{.}}{{end}}' $candidates)
  return 1
}

check_web_ping_tag() { image_id web-ping:latest >/dev/null; }

check_web_ping_base() { built_on web-ping diamol/node; }

check_web_ping_env() {
  local env
  env=$("$docker" image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' web-ping) || return 1
  grep -qx 'TARGET=blog.sixeyed.com' <<<"$env" &&
    grep -qx 'METHOD=HEAD' <<<"$env" &&
    grep -qx 'INTERVAL=3000' <<<"$env"
}

check_web_ping_workdir_cmd() {
  local out workdir cmd
  out=$("$docker" image inspect --format '{{.Config.WorkingDir}}{{"\n"}}{{json .Config.Cmd}}' web-ping) || return 1
  workdir=$(head -n 1 <<<"$out")
  cmd=$(tail -n 1 <<<"$out")
  [ "${workdir%/}" = /web-ping ] && [ "$cmd" = '["node","/web-ping/app.js"]' ]
}

check_web_ping_app() {
  local content
  content=$(read_file web-ping /web-ping/app.js) || return 1
  grep -q 'web-ping \*\*' <<<"$content"
}

check_web_ping_env_behavior() {
  probe_until 15 'Pinging: grade-probe\.test; method: GET' \
    --env TARGET=grade-probe.test --env METHOD=GET web-ping
}

check_web_ping_layers() {
  history_rows web-ping | steps |
    in_order 'ENV TARGET;ENV METHOD;ENV INTERVAL;WORKDIR /web-ping;COPY app.js;CMD'
}

check_lab_container() {
  local got want
  got=$("$docker" container inspect --format '{{.Name}} {{.Image}}' ch03lab 2>/dev/null) || return 1
  want=$(image_id diamol/ch03-lab) || return 1
  [ "$got" = "/ch03lab $want" ]
}

check_lab_image() { built_on ch03-lab-soln diamol/ch03-lab; }

# Exactly one history entry above diamol/ch03-lab, written by no builder, whose "created by" is
# the committed container's command (the image's Cmd, the base's, or a base container's).
check_lab_commit() {
  local mine base own created_by comment cmds
  mine=$(history_rows ch03-lab-soln) || return 1
  base=$(history_rows diamol/ch03-lab) || return 1
  own=$(own_rows "$mine" "$base") || return 1
  [ -n "$own" ] && [ "$(grep -c '' <<<"$own")" -eq 1 ] || return 1
  IFS=$'\t' read -r _ created_by comment <<<"$own"
  created_by=${created_by%"${created_by##*[![:space:]]}"}
  case $created_by in *'#(nop)'* | *'# buildkit') return 1 ;; esac
  [ "$comment" != buildkit.dockerfile.v0 ] || return 1
  cmds=$("$docker" image inspect --format '{{join .Config.Cmd " "}}' ch03-lab-soln diamol/ch03-lab) || return 1
  grep -qxF -- "$created_by" <<<"$cmds" && return 0
  [ "$created_by" = /bin/sh ] && [[ $comment == "FROM "* ]] && return 0 # Podman
  # After `commit --change CMD ...` the entry is the command of the container that was committed:
  # accept the command of any container created from exactly diamol/ch03-lab.
  local base_id ids
  base_id=$(image_id diamol/ch03-lab) || return 1
  ids=$("$docker" container ls --all --quiet --no-trunc --filter "ancestor=$base_id") || return 1
  [ -n "$ids" ] || return 1
  # shellcheck disable=SC2086
  cmds=$("$docker" container inspect --format '{{.Image}}{{"\t"}}{{join .Config.Cmd " "}}' $ids) || return 1
  grep -qxF -- "$base_id"$'\t'"$created_by" <<<"$cmds"
}

# The file says `Lab solution, by: <name>` (read without running), and running the image's
# `cat ch03.txt` prints it.
check_lab_file() {
  local content out
  content=$(read_file ch03-lab-soln /diamol/ch03.txt) || return 1
  [[ $content =~ ^Lab\ solution,\ by:\ [^[:space:]] ]] || return 1
  out=$(timeout 10 "$docker" container run --rm "${PROBE_OPTS[@]}" ch03-lab-soln cat ch03.txt 2>&1) || return 1
  grep -qE '^Lab solution, by: [^[:space:]]' <<<"$out"
}

# Some tag of web-ping whose own steps (above diamol/node) are CMD, ENV, WORKDIR, COPY app.js,
# with the COPY last.
check_cache_order() {
  local tags base tag own
  tags=$("$docker" image ls --format '{{.Repository}}:{{.Tag}}' web-ping | grep -v '<none>') || return 1
  base=$(history_rows diamol/node) || return 1
  for tag in $tags; do
    own=$(own_rows "$(history_rows "$tag")" "$base") || continue
    if steps <<<"$own" | in_order 'CMD;ENV;WORKDIR;COPY app.js' last; then
      return 0
    fi
  done
  return 1
}

# ---- scoring -------------------------------------------------------------------------------------

score=0
max=0
declare -A passed=()

# check ID POINTS BONUS(yes/no) NEEDS(space-separated ids or -)
check() {
  local id=$1 points=$2 bonus=$3 needs=$4 fn need
  fn=check_${id//-/_}
  [ "$bonus" = yes ] || max=$((max + points))
  if [ "$needs" != - ]; then
    for need in $needs; do
      if [ -z "${passed[$need]:-}" ]; then
        printf 'SKIP %-22s 0/%s (needs %s)\n' "$id" "$points" "$need"
        return
      fi
    done
  fi
  if "$fn"; then
    passed[$id]=1
    score=$((score + points))
    printf 'PASS %-22s %s/%s\n' "$id" "$points" "$points"
  else
    printf 'FAIL %-22s 0/%s\n' "$id" "$points"
  fi
}

"$docker" version --format '{{.Server.Version}}' >/dev/null 2>&1 || {
  echo "peer: no Docker Engine answers at ${DOCKER_HOST:-the default socket}" >&2
  exit 3
}

check pull-web-ping 1 no -
check env-override 3 no -
check web-ping-tag 2 no -
check web-ping-base 1 no web-ping-tag
check web-ping-env 2 no web-ping-tag
check web-ping-workdir-cmd 2 no web-ping-tag
check web-ping-app 1 no web-ping-tag
check web-ping-env-behavior 3 no web-ping-tag
check web-ping-layers 2 no web-ping-tag
check lab-container 1 no -
check lab-image 2 no -
check lab-commit 2 no lab-image
check lab-file 3 no lab-image
check cache-order 2 yes -

echo "score: $score/$max"
[ "$score" -ge "$max" ]
