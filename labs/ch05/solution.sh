#!/usr/bin/env bash
# Reference solution for chapter 5, "Sharing images with Docker Hub and other registries": the
# chapter's local-registry commands and the lab, made to run without a terminal, on loopback only.
# Meant for an engine that has the image-gallery image of chapter 4 (built here from
# ../ch04/exercises/image-gallery when it is missing). Set DOCKER to use another docker CLI.
#
# The book reaches its registry as registry.local:5000, a name added to the hosts file, and lists it
# in the engine's insecure registries. Here the registry is reached as 127.0.0.1:PORT: Docker trusts
# plain HTTP to 127.0.0.0/8 without any setting, and nothing outside this machine is touched.
# CH05_REGISTRY_PORT picks the host port (default 5000, the book's); CH05_NETWORK the network the
# registry runs on (default nat, created when missing).
#
# On Podman (DOCKER=podman, or podman-docker's `docker`), pushes add --tls-verify=false (Podman asks
# every registry for HTTPS, loopback too) and go one tag at a time (Podman 4 has no --all-tags).
set -euo pipefail

docker=${DOCKER:-docker}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
port=${CH05_REGISTRY_PORT:-5000}
network=${CH05_NETWORK:-nat}
registry=127.0.0.1:$port
push_opts=()
podman=false
case $("$docker" --version 2>/dev/null) in
  podman*) podman=true push_opts=(--tls-verify=false) ;;
esac

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
# curl on loopback only, never through a proxy.
api() { show curl "$@"; curl --silent --show-error --fail --noproxy '*' "$@"; }

# Chapter 4's image-gallery is what the chapter pushes. On an engine without a default bridge
# network, the build gets --network none (its RUN steps need no network), which BuildKit otherwise refuses.
if ! "$docker" image inspect image-gallery >/dev/null 2>&1; then
  build_opts=()
  "$docker" network inspect bridge >/dev/null 2>&1 || build_opts=(--network none)
  run "$docker" image build "${build_opts[@]}" --tag image-gallery "$here/../ch04/exercises/image-gallery"
fi

# 1. Run a registry in a container, published on loopback, restarted with the engine.
"$docker" network inspect "$network" >/dev/null 2>&1 || run "$docker" network create "$network"
run "$docker" container run -d -p "$registry:5000" --network "$network" --restart always diamol/registry
for _ in $(seq 1 50); do
  curl --silent --fail --noproxy '*' "http://$registry/v2/" >/dev/null && break
  sleep 0.2
done
api "http://$registry/v2/"; echo

# 2. Tag the image with the registry's name and push it.
run "$docker" image tag image-gallery "$registry/gallery/ui:v1"
run "$docker" image push "${push_opts[@]}" "$registry/gallery/ui:v1"

# 3. More tags for the same image: latest, and a major, minor and patch version.
for tag in latest 2 2.1 2.1.106; do
  run "$docker" image tag image-gallery "$registry/gallery/ui:$tag"
done
run "$docker" image ls "$registry/gallery/ui"

# 4. Lab: push every tag of the repository, list them through the registry's HTTP API, find the
# manifest's digest, delete the manifest, and check that the tags are gone. The Accept header takes
# Docker's manifest format and the OCI ones (Podman pushes OCI; the registry answers 404 to a HEAD
# that does not accept the format it holds).
if $podman; then
  for tag in v1 latest 2 2.1 2.1.106; do
    run "$docker" image push "${push_opts[@]}" "$registry/gallery/ui:$tag"
  done
else
  run "$docker" image push --all-tags "$registry/gallery/ui"
fi
api "http://$registry/v2/gallery/ui/tags/list"; echo
digest=$(api --head "http://$registry/v2/gallery/ui/manifests/latest" \
  -H 'Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' |
  tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
echo "Docker-Content-Digest: $digest" >&2
[ -n "$digest" ] || { echo "the registry sent no Docker-Content-Digest" >&2; exit 1; }
api -X DELETE "http://$registry/v2/gallery/ui/manifests/$digest"
api "http://$registry/v2/gallery/ui/tags/list"; echo
