#!/usr/bin/env bash
# Reference solution for chapter 4, "Packaging applications from source code into Docker images":
# the chapter's Go and multi-stage commands and the lab, made to run without a terminal. Meant for
# a clean engine (it tags multi-stage, image-gallery, ch04-lab and ch04-lab:optimized, and
# publishes 127.0.0.1 ports 802, 804 and 805). Set DOCKER to use another docker CLI.
#
# Containers run on the network nat (the book creates it in this chapter; CH04_NETWORK names
# another) and publish on 127.0.0.1 only. On an engine without a default bridge network, builds
# get --network none (their RUN steps need no network), which BuildKit otherwise refuses.
set -euo pipefail

docker=${DOCKER:-docker}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
network=${CH04_NETWORK:-nat}

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

build_opts=()
"$docker" network inspect bridge >/dev/null 2>&1 || build_opts=(--network none)
build() { run "$docker" image build "${build_opts[@]}" "$@"; }

# Fetches a page on loopback, waiting (at most 10 s) for the server to answer.
browse() {
  local _
  for _ in $(seq 1 50); do
    if curl --silent --fail --noproxy '*' --max-time 5 "$1"; then
      return 0
    fi
    sleep 0.2
  done
  echo "nothing answered at $1 within 10 s" >&2
  return 1
}

# 1. A multi-stage Dockerfile: each stage starts from an image, later stages copy from earlier ones.
cd "$here/exercises/multi-stage"
build -t multi-stage .
run "$docker" container run --rm multi-stage

# 2. A Go app: the SDK image compiles it, the small base image runs it.
cd "$here/exercises/image-gallery"
build -t image-gallery .
run "$docker" image ls -f reference=diamol/golang -f reference=image-gallery
"$docker" network inspect "$network" >/dev/null 2>&1 || run "$docker" network create "$network"
run "$docker" container run -d -p 127.0.0.1:802:80 --network "$network" image-gallery
browse http://127.0.0.1:802 | grep 'Image of the Day'

# 3. Lab: the single-stage image, then the multi-stage one beside it, both running.
cd "$here/lab"
build -t ch04-lab .
run "$docker" container run -d -p 127.0.0.1:804:80 --network "$network" ch04-lab
browse http://127.0.0.1:804 | grep sixeyed
build -t ch04-lab:optimized -f "$here/solution/Dockerfile.optimized" .
run "$docker" container run -d -p 127.0.0.1:805:80 --network "$network" ch04-lab:optimized
browse http://127.0.0.1:805 | grep sixeyed
run "$docker" image ls 'ch04*'
