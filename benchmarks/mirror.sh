#!/usr/bin/env bash
# Benchmark: the stand-ins through the loopback Docker Hub mirror (scripts/registry,
# GRADE_ENGINE_MIRROR in scripts/engine), on two fresh private engines in a temporary folder.
#   bash benchmarks/mirror.sh [N]     (N runs of each pull, default 20; about 3 minutes on 2 CPUs)
#   GRADE_ENGINE_KIND=podman bash benchmarks/mirror.sh    (any kind of scripts/engine; docker20 by
#                                     default), typed with that engine's CLI (scripts/engine cli)
# Prints, in seconds:
#   build      scripts/standins on a fresh engine, without the mirror (builds only)
#   push+pull  scripts/standins again with the mirror: pushes all seven, pulls them back for digests
#   fresh      scripts/standins on a second fresh engine with the mirror: all pulled, none built
#   book pull  `docker image pull diamol/ch03-web-ping` after its tag was removed (median of N)
#   missing    `docker image pull diamol/no-such-image`, failing on loopback (median and max of N)
# Run as root after scripts/setup. Stops both engines and the registry and deletes the folder.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-20}
kind=${GRADE_ENGINE_KIND:-docker20}
export GRADE_ENGINE_KIND=$kind
docker=$("$repo/scripts/engine" cli)
export DOCKER=$docker
tmp=$(mktemp -d /tmp/grade-bench-mirror-XXXXXX)
export GRADE_REGISTRY_DIR=$tmp/registry
cleanup() {
  GRADE_ENGINE_DIR=$tmp/a "$repo/scripts/engine" stop || true
  GRADE_ENGINE_DIR=$tmp/b "$repo/scripts/engine" stop || true
  "$repo/scripts/registry" stop || true
  rm -rf "$tmp"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

mirror=$("$repo/scripts/registry" start)
for e in a b; do
  GRADE_ENGINE_DIR=$tmp/$e GRADE_ENGINE_MIRROR=$mirror "$repo/scripts/engine" start >/dev/null
done
A=$(GRADE_ENGINE_DIR=$tmp/a "$repo/scripts/engine" host)
B=$(GRADE_ENGINE_DIR=$tmp/b "$repo/scripts/engine" host)
echo "$kind: registry $mirror, engines $A and $B" >&2

t=$(now); DOCKER_HOST=$A "$repo/scripts/standins" >&2; build=$(since "$t")
t=$(now); DOCKER_HOST=$A GRADE_ENGINE_MIRROR=$mirror "$repo/scripts/standins" >&2; pushpull=$(since "$t")
t=$(now); DOCKER_HOST=$B GRADE_ENGINE_MIRROR=$mirror "$repo/scripts/standins" >&2; fresh=$(since "$t")

export DOCKER_HOST=$B
"$docker" image tag diamol/ch03-web-ping bench-held  # keeps the layers: each pull fetches the manifest
book=()
for _ in $(seq "$runs"); do
  "$docker" image rm diamol/ch03-web-ping >/dev/null
  t=$(now); "$docker" image pull --quiet diamol/ch03-web-ping >/dev/null; book+=("$(since "$t")")
done
"$docker" image rm bench-held >/dev/null
missing=()
for _ in $(seq "$runs"); do
  t=$(now)
  if "$docker" image pull --quiet diamol/no-such-image >/dev/null 2>"$tmp/err"; then
    echo "diamol/no-such-image was pulled?" >&2; exit 1
  fi
  missing+=("$(since "$t")")
done
# How it failed: Podman's docker.io is blocked in its registries.conf; dockerd's fallback to
# Docker Hub meets the closed proxy on loopback.
case "$kind" in
  podman) failed_on='registry docker.io is blocked' ;;
  *) failed_on='127.0.0.1:9' ;;
esac
grep -q "$failed_on" "$tmp/err" || { echo "the missing pull did not fail on loopback: $(cat "$tmp/err")" >&2; exit 1; }
if [ "$kind" = podman ] && grep -q "registry-1.docker.io" "$tmp/b/engine.log"; then
  echo "Podman tried Docker Hub itself: $(grep -m1 registry-1.docker.io "$tmp/b/engine.log")" >&2; exit 1
fi

printf '%-10s %8.2f\n' build "$build" push+pull "$pushpull" fresh "$fresh"
printf '%-10s %8.3f  (median of %d)\n' "book pull" "$(printf '%s\n' "${book[@]}" | median)" "$runs"
printf '%-10s %8.3f  (median of %d; max %.3f)\n' missing "$(printf '%s\n' "${missing[@]}" | median)" \
  "$runs" "$(printf '%s\n' "${missing[@]}" | sort -n | tail -1)"
