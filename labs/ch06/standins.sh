# Chapter 6's offline stand-ins, sourced by scripts/standins (which defines standin and $repo, and
# has built diamol/base and diamol/golang), from labs/ch06:
#   diamol/ch06-random-number  exercises/random-number: writes a random number to /random/number.txt
#   diamol/ch06-file-display   exercises/file-display: prints /input.txt
#   diamol/ch06-bind-mount     exercises/bind-mount: lists the names in /init (or its argument)
#   diamol/ch06-todo-list      exercises/todo-list: the to-do web app on port 80, list in /data
#   diamol/ch06-todo-list:v2   exercises/todo-list-v2: the same with a new style sheet
#   diamol/ch06-lab            lab/todo-list-v3: the to-do app with a filled list in /init-data
if ! declare -F standin >/dev/null; then
  exec bash "$(dirname "${BASH_SOURCE[0]}")/../../scripts/standins"
fi

ch06=$repo/labs/ch06
# The legacy builder keeps each multi-stage build's builder stage as a dangling image (about
# 470 MB apparent, nearly all shared with diamol/golang): remove the ones these builds leave.
dangling_before=$("$docker" image ls --quiet --no-trunc --filter dangling=true | sort)
standin diamol/ch06-random-number "$ch06/exercises/random-number" diamol/base
standin diamol/ch06-file-display "$ch06/exercises/file-display" diamol/base
standin diamol/ch06-bind-mount "$ch06/exercises/bind-mount" diamol/golang
standin diamol/ch06-todo-list "$ch06/exercises/todo-list" diamol/golang
standin diamol/ch06-todo-list:v2 "$ch06/exercises/todo-list-v2" diamol/ch06-todo-list
standin diamol/ch06-lab "$ch06/lab/todo-list-v3" diamol/ch06-todo-list
for id in $(comm -13 <(echo "$dangling_before") <("$docker" image ls --quiet --no-trunc --filter dangling=true | sort)); do
  "$docker" image rm "$id" >/dev/null 2>&1 || true
done
# The to-do app must serve its list (inside its container, on loopback: no network is needed).
check=$("$docker" container run --rm --network none --entrypoint sh diamol/ch06-lab -c \
  '/app/todo-list >/dev/null & for i in $(seq 1 25); do
     wget -q -O - http://127.0.0.1/list 2>/dev/null && exit 0; sleep 0.2; done; exit 1' 2>&1 || true)
[[ $check == *'Learn Kubernetes'* ]] || die "diamol/ch06-lab does not serve its list: $check"
