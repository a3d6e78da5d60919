# Chapter 4's offline stand-ins, sourced by scripts/standins (which defines standin, die, $docker
# and $tmp, and has built diamol/base):
#   diamol/golang  this machine's Go toolchain (Debian's golang-go) on diamol/base, GOPATH /go,
#                  CGO_ENABLED=0 so what it builds is static and runs on diamol/base
if ! declare -F standin >/dev/null; then
  exec bash "$(dirname "${BASH_SOURCE[0]}")/../../scripts/standins"
fi

goroot=$(go env GOROOT 2>/dev/null) || die "go is missing: install Debian's golang-go (apt-get install golang-go, or run scripts/setup)."
# Archiving 450 MB only to find the image up to date costs seconds on every run: first compare a
# cheap key (this script, the toolchain's file list with sizes and times, diamol/base's id) with
# the one the image carries.
golang_key=$( { sha256sum <"${BASH_SOURCE[0]}"; find -L "$goroot" -printf '%P %s %T@\n' | LC_ALL=C sort;
  image_id diamol/base; } | sha256sum | cut -c1-16)
if [ "$("$docker" image inspect --format '{{index .Config.Labels "org.grade.golang-key"}}' diamol/golang 2>/dev/null)" = "$golang_key" ]; then
  echo "diamol/golang: up to date"
else
  golang=$tmp/golang
  mkdir -p "$golang/files"
  # bin, src and pkg are what `go build` needs (Debian links src to /usr/share: --dereference).
  # One reproducible archive, which ADD unpacks: hashing one file is far quicker than 10,000.
  tar -C "$goroot" --dereference --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    --transform 's,^,usr/local/go/,' -cf "$golang/go.tar" VERSION bin src pkg/tool pkg/include pkg/linux_amd64
  # The go command itself links to the C library: add it and the loader, as ldd lists them.
  for lib in $(ldd "$goroot/bin/go" | grep -o '/[^ ]*'); do
    mkdir -p "$golang/files$(dirname "$lib")"
    cp -L "$lib" "$golang/files$lib"
  done
  cat >"$golang/Dockerfile" <<DOCKERFILE
FROM diamol/base
ADD go.tar /
COPY files /
ENV GOLANG_VERSION=$(go env GOVERSION | sed 's/^go//') \\
    GOROOT=/usr/local/go GOPATH=/go \\
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    CGO_ENABLED=0 GO111MODULE=auto
WORKDIR /go
# Warm the build cache with the standard packages the chapters' apps use: a student's build then
# compiles only their own code (seconds, not a minute on a small machine).
RUN go build net/http html/template encoding/json io/ioutil
CMD ["go", "version"]
LABEL org.grade.golang-key=$golang_key
DOCKERFILE
  standin diamol/golang "$golang" diamol/base
fi
check=$("$docker" container run --rm --network none diamol/golang go version 2>&1 || true)
[[ $check == 'go version go'* ]] || die "diamol/golang cannot run go: $check"
