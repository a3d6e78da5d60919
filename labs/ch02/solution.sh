#!/usr/bin/env bash
# Reference solution for chapter 2, "Understanding Docker and running Hello World": the chapter's
# commands in order, made to run without a terminal. Meant for a clean engine (it publishes host
# port 8088). Set DOCKER to use another docker CLI.
#
# CH02_NETWORK: on an engine without a default bridge network (the project's private test engine
# runs with --bridge none), name a network to run the web container on; it is then published on
# 127.0.0.1:8088 only. Students just type `--publish 8088:80`.
set -euo pipefail

docker=${DOCKER:-docker}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Quotes words the way you would type them; show prints a command, run prints and runs it.
quote() {
  local word line=
  for word in "$@"; do
    if [[ $word =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
      line+=" $word"
    else
      line+=" '${word//\'/\'\\\'\'}'"
    fi
  done
  echo "${line# }"
}
show() { echo "\$ $(quote "$@")" >&2; }
run() { show "$@"; "$@"; }

# 1. Hello World in a container: it prints a message about itself and exits. Run it twice: each
# run is a new container.
run "$docker" container run diamol/ch02-hello-diamol
run "$docker" container run diamol/ch02-hello-diamol

# 2. An interactive container, connected to your terminal: a shell inside it.
# Without a terminal, `script` provides one and types the commands; without `script`, the
# container runs detached (still with --interactive --tty) and the commands go in with exec.
typed=$'hostname\ndate\nexit\n'
if command -v script >/dev/null 2>&1; then
  echo "\$ $(quote "$docker" container run --interactive --tty diamol/base)   # then: hostname, date, exit" >&2
  printf '%s' "$typed" | script -qec "$(quote "$docker" container run --interactive --tty diamol/base)" /dev/null
else
  id=$(run "$docker" container run --interactive --tty --detach diamol/base)
  run "$docker" container exec "$id" hostname
  run "$docker" container exec "$id" date
  run "$docker" container kill "$id" >/dev/null
fi
run "$docker" container ls --all

# 3. A website in a container, in the background, published on port 8088 of your machine.
publish=(--publish 8088:80)
if [ -n "${CH02_NETWORK:-}" ]; then
  publish=(--network "$CH02_NETWORK" --publish 127.0.0.1:8088:80)
fi
id=$(run "$docker" container run --detach "${publish[@]}" diamol/ch02-hello-diamol-web)
run "$docker" container ls
run "$docker" container top "$id"
run "$docker" container logs "$id"

# Browse to http://localhost:8088 (the first answer may take a moment).
page() {
  local _
  for _ in $(seq 1 50); do
    if out=$("$docker" container exec "$id" wget -q -O - http://127.0.0.1/ 2>/dev/null); then
      printf '%s\n' "$out"
      return 0
    fi
    sleep 0.1
  done
  echo "the web container did not answer within 5 s" >&2
  return 1
}
page | grep 'Hello from Chapter 2!'

# 4. Lab: replace the page in the running container with your own, without a Dockerfile.
# Find the file with exec, copy your page over it with cp, then browse again.
run "$docker" container exec "$id" ls /usr/local/apache2/htdocs
run "$docker" container cp "$here/lab/index.html" "$id:/usr/local/apache2/htdocs/index.html"
page | grep 'Hello from my own page!'
