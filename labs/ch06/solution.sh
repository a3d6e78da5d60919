#!/usr/bin/env bash
# Reference solution for chapter 6, "Running containers with data in Docker volumes and mounts":
# the chapter's commands and the lab, made to run without a terminal. Meant for a clean engine (it
# names containers rn1, rn2, f1, f2, todo1, t3, todo-v1, todo-v2, todo-configured, creates the
# volumes todo-list and ch06-lab, and publishes 127.0.0.1 ports 8010-8016). Set DOCKER to use
# another docker CLI.
#
# Containers run on the network nat (CH06_NETWORK names another; created when missing) and publish
# on 127.0.0.1 only. The book's host folders (number files, ./databases) go in a temporary folder.
# Like the book's lab, it tidies up before the lab, but only what it made itself: the exercises'
# containers and their anonymous volumes. What is left: the lab's two diamol/ch06-lab containers
# (8015, and 8016 with the config and the ch06-lab volume), and, as in the book, the todo-list
# volume with the to-do added in the exercises.
set -euo pipefail

docker=${DOCKER:-docker}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
network=${CH06_NETWORK:-nat}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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

# Fetches a page on loopback, waiting (at most 10 s) for the server to answer; extra curl options
# (a form to post) may follow the address.
browse() {
  local url=$1 _
  shift
  for _ in $(seq 1 50); do
    if curl --silent --fail --location --noproxy '*' --max-time 5 "$@" "$url"; then
      return 0
    fi
    sleep 0.2
  done
  echo "nothing answered at $url within 10 s" >&2
  return 1
}
made=() # the exercises' containers, removed before the lab

"$docker" network inspect "$network" >/dev/null 2>&1 || run "$docker" network create "$network"

# 1. Each container has its own writeable layer: two random numbers, copied out of the containers.
run "$docker" container run --name rn1 diamol/ch06-random-number
run "$docker" container run --name rn2 diamol/ch06-random-number
made+=(rn1 rn2)
run "$docker" container cp rn1:/random/number.txt "$work/number1.txt"
run "$docker" container cp rn2:/random/number.txt "$work/number2.txt"
run cat "$work/number1.txt" "$work/number2.txt"

# A file changed in a container stays with that container, until the container is removed.
run "$docker" container run --name f1 diamol/ch06-file-display
echo "https://www.manning.com/books/learn-docker-in-a-month-of-lunches/url" >"$work/url.txt"
run "$docker" container cp "$work/url.txt" f1:/input.txt
run "$docker" container start --attach f1
run "$docker" container run --name f2 diamol/ch06-file-display
made+=(f2)
run "$docker" container rm -f f1
# Gone with its writable layer. Asked by exact name: `docker container start f1` would also take
# any container whose id starts with the hex digits f1.
if [ -n "$("$docker" container ls --all --quiet --filter name='^f1$')" ]; then
  echo "f1 should be gone" >&2
  exit 1
fi

# 2. The to-do app's image declares a volume: each container gets one, another can share it.
run "$docker" container run --name todo1 -d -p 127.0.0.1:8010:80 --network "$network" diamol/ch06-todo-list
made+=(todo1)
browse http://127.0.0.1:8010/ >/dev/null
run "$docker" container inspect --format '{{.Mounts}}' todo1
run "$docker" volume ls
run "$docker" container run -d --name t3 --volumes-from todo1 diamol/ch06-todo-list
made+=(t3)
run "$docker" container exec t3 ls /data

# A named volume outlives its container: the new version of the app finds the old list.
target='/data'
run "$docker" volume create todo-list
run "$docker" container run -d -p 127.0.0.1:8011:80 --network "$network" -v "todo-list:$target" --name todo-v1 diamol/ch06-todo-list
browse http://127.0.0.1:8011/new --data-urlencode 'item=Finish chapter 6' | grep -q 'Finish chapter 6'
run "$docker" container rm -f todo-v1
run "$docker" container run -d -p 127.0.0.1:8011:80 --network "$network" -v "todo-list:$target" --name todo-v2 diamol/ch06-todo-list:v2
made+=(todo-v2)
browse http://127.0.0.1:8011/list | grep 'Finish chapter 6'

# 3. A bind mount: the database file appears in a folder of the host.
source="$work/databases" && target='/data'
run mkdir "$source"
id=$(run "$docker" container run --mount "type=bind,source=$source,target=$target" -d -p 127.0.0.1:8012:80 --network "$network" diamol/ch06-todo-list)
made+=("$id")
browse http://127.0.0.1:8012 >/dev/null
run ls "$source"

# A read-only bind mount of a config folder: the app logs at debug level.
source="$here/exercises/todo-list/config" && target='/app/config'
run "$docker" container run --name todo-configured -d -p 127.0.0.1:8013:80 --network "$network" --mount "type=bind,source=$source,target=$target,readonly" diamol/ch06-todo-list
made+=(todo-configured)
browse http://127.0.0.1:8013 >/dev/null
run "$docker" container logs todo-configured

# 4. A mount hides what the image had at its target; a file mount adds one file beside the rest.
cd "$here/exercises/bind-mount"
source="$(pwd)/new" && target='/init'
made+=("$(run "$docker" container run -d diamol/ch06-bind-mount)")
made+=("$(run "$docker" container run -d --mount "type=bind,source=$source,target=$target" diamol/ch06-bind-mount)")
source="$(pwd)/new/123.txt" && target='/init/123.txt'
made+=("$(run "$docker" container run -d --mount "type=bind,source=$source,target=$target" diamol/ch06-bind-mount)")
for id in "${made[@]: -3}"; do
  run "$docker" container wait "$id" >/dev/null
  run "$docker" container logs "$id"
done

# 5. Lab. Tidy up first (the book removes every container; this removes only the ones made
# above, with their anonymous volumes; named volumes stay).
run "$docker" container rm -f -v "${made[@]}" >/dev/null

run "$docker" container run -d -p 127.0.0.1:8015:80 --network "$network" diamol/ch06-lab
browse http://127.0.0.1:8015/list | grep 'Learn Kubernetes'

# A volume for the data, and a read-only bind mount of a config file that moves the database
# into it (solution/config.json: Filename=/new-data/todo-list.db).
run "$docker" volume create ch06-lab
configSource="$here/lab/solution"
configTarget='/app/config'
dataTarget='/new-data'
lab() {
  run "$docker" container run -d -p 127.0.0.1:8016:80 --network "$network" \
    --mount "type=bind,source=$configSource,target=$configTarget,readonly" \
    --volume "ch06-lab:$dataTarget" diamol/ch06-lab
}
id=$(lab)
browse http://127.0.0.1:8016/list | grep 'Nothing to do yet'

# The list lives in the volume: a new container with the same mounts finds the same (empty) list.
run "$docker" container rm -f -v "$id" >/dev/null
id=$(lab)
browse http://127.0.0.1:8016/list | grep 'Nothing to do yet'
run "$docker" container exec "$id" ls -l /new-data
