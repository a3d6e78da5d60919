# Chapter 5's offline stand-in, sourced by scripts/standins (which defines standin, die, $docker
# and $tmp, and has built diamol/base):
#   diamol/registry  this machine's docker-registry (Debian's build of the CNCF distribution
#                    registry) on diamol/base: HTTP API v2 on port 5000, storage in the volume
#                    /data, deletes enabled
if ! declare -F standin >/dev/null; then
  exec bash "$(dirname "${BASH_SOURCE[0]}")/../../scripts/standins"
fi

registry_bin=$(command -v docker-registry) || die "docker-registry is missing: install Debian's docker-registry (apt-get install docker-registry, or run scripts/setup)."
registry_bin=$(readlink -f "$registry_bin")
registry=$tmp/registry
mkdir -p "$registry/files/registry"
cp "$registry_bin" "$registry/files/registry/registry"
cp "$repo/labs/ch05/registry/config.yml" "$registry/files/registry/config.yml"
for lib in $(ldd "$registry_bin" | grep -o '/[^ ]*'); do
  mkdir -p "$registry/files$(dirname "$lib")"
  cp -L "$lib" "$registry/files$lib"
done
cat >"$registry/Dockerfile" <<'DOCKERFILE'
FROM diamol/base
COPY files /
WORKDIR /registry
VOLUME /data
EXPOSE 5000
ENTRYPOINT ["/registry/registry"]
CMD ["serve", "/registry/config.yml"]
DOCKERFILE
standin diamol/registry "$registry" diamol/base
# It must serve the API (inside its container, on loopback: no network is needed).
check=$("$docker" container run --rm --network none --entrypoint sh diamol/registry -c \
  '/registry/registry serve /registry/config.yml >/dev/null 2>&1 & for i in $(seq 1 25); do
     wget -q -O - http://127.0.0.1:5000/v2/ 2>/dev/null && exit 0; sleep 0.2; done; exit 1' 2>&1 || true)
[ "$check" = '{}' ] || die "diamol/registry does not answer on /v2/: $check"
