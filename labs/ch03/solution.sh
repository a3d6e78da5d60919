#!/usr/bin/env bash
# Reference solution for chapter 3, "Building your own Docker images": the chapter's commands in
# order, made to run without a terminal. Meant for a clean engine (it names a container ch03lab
# and tags web-ping, web-ping:v3 and ch03-lab-soln). Set DOCKER to use another docker CLI.
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

# Pulls an image unless it is already here (offline, scripts/standins has built it).
pull() {
  if "$docker" image inspect "$1" >/dev/null 2>&1; then
    echo "# $1 is already here: no pull needed" >&2
  else
    run "$docker" image pull "$1"
  fi
}

# 1. An image from Docker Hub.
pull diamol/ch03-web-ping

# 2. Run it in the background, then again with TARGET changed through an environment variable.
run "$docker" container run -d --name web-ping diamol/ch03-web-ping
run "$docker" rm -f web-ping

# Detached, so the script can go on: wait (at most 30 s) for the start line, then stop it.
id=$(run "$docker" container run --detach --env TARGET=google.com diamol/ch03-web-ping)
started=
for _ in $(seq 1 300); do
  logs=$("$docker" container logs "$id" 2>&1)
  if [[ $logs == *'** web-ping ** Pinging: google.com;'* ]]; then
    started=yes
    break
  fi
  sleep 0.1
done
run "$docker" container logs "$id"
if [ -z "$started" ]; then
  echo "the google.com container did not print its start line within 30 s" >&2
  exit 1
fi
run "$docker" container stop "$id"

# 3-5. Build web-ping from its Dockerfile, then look at its layers and at disk use.
cd "$here/web-ping"
run "$docker" image build --tag web-ping .
run "$docker" image history web-ping
run "$docker" image ls
run "$docker" system df

# 6. The cache-friendly Dockerfile, built as web-ping:v3.
run "$docker" image build --tag web-ping:v3 --file Dockerfile.v3 .

# 7. Lab: change a container by hand and commit it as a new image. Without a terminal the
# command goes in on standard input; the container's own command stays the image's /bin/sh.
pull diamol/ch03-lab
echo "\$ $(quote echo 'echo Elton >> ch03.txt') | $(quote "$docker" container run -i --name ch03lab diamol/ch03-lab)" >&2
echo 'echo Elton >> ch03.txt' | "$docker" container run -i --name ch03lab diamol/ch03-lab
run "$docker" container commit ch03lab ch03-lab-soln
run "$docker" container run ch03-lab-soln cat ch03.txt
