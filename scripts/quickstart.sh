#!/usr/bin/env bash
# One command from a fresh clone to a running single-machine cluster: builds, starts
# `bin/cocaine-runtime --role all` in the background, uploads and starts the sample apps, and prints
# commands that answer. Run again at any time; `scripts/quickstart.sh stop` stops the runtime.
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
cd "$home"
state="${COCAINE_STATE:-/tmp/cocaine}"
pidfile="$state/runtime.pid"
mkdir -p "$state"

running_pid() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && cat "$pidfile"
}

if [ "${1:-}" = "stop" ]; then
  if pid="$(running_pid)"; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    echo "runtime $pid stopped"
  else
    echo "no runtime running"
  fi
  rm -f "$pidfile"
  exit 0
fi

bash scripts/setup-debian.sh
if pid="$(running_pid)"; then
  # The build replaces the jars the running runtime reads: stop it first, start it again after.
  echo "==> stopping the runtime this script started before (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  rm -f "$pidfile"
fi
echo "==> building (./mvnw -B -q -DskipTests package)"
./mvnw -B -q -DskipTests package

cli() { bin/cocaine "$@"; }

# Shell completion, where bash-completion looks for a user's own (only when that folder exists)
completions="${BASH_COMPLETION_USER_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/bash-completion}/completions"
if [ -d "$completions" ]; then
  bin/cocaine completion bash > "$completions/cocaine"
  echo "==> bash completion of 'cocaine' installed in $completions/cocaine (with $home/bin on PATH)"
fi

if cli locate -n node >/dev/null 2>&1; then
  echo "==> a runtime not started by this script answers on localhost:10053; using it"
else
  echo "==> starting bin/cocaine-runtime --role all (log: $state/runtime.out)"
  nohup bin/cocaine-runtime --role all > "$state/runtime.out" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if cli locate -n node >/dev/null 2>&1; then break; fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "the runtime exited; its log:" >&2
      tail -n 30 "$state/runtime.out" >&2
      exit 1
    fi
    sleep 0.5
  done
fi

for app in echo http-echo; do
  echo "==> uploading and starting $app"
  cli app upload "examples/target/apps/$app" --name "$app" >/dev/null
  cli profile upload -n "$app" -r "examples/target/apps/$app/profile.json" >/dev/null
  # In the default runlist, the node starts the app again whenever the runtime restarts.
  cli runlist add-app -n default --app "$app" -r "$app" --force >/dev/null
  if ! out="$(cli app start -n "$app" -r "$app" 2>&1)"; then
    case "$out" in
      *"already running"*) cli app restart -n "$app" -r "$app" >/dev/null ;;
      *) echo "$out" >&2; exit 1 ;;
    esac
  fi
done

echo "==> checking"
reply="$(cli call echo ping hello)"
[ "$reply" = "hello" ] || { echo "echo answered '$reply' instead of 'hello'" >&2; exit 1; }
cat <<MSG

Cocaine is running (all roles in one process; log: $state/runtime.out). Try:

  bin/cocaine call echo ping hello
  curl -d hi http://127.0.0.1:8080/http-echo/echo
  bin/cocaine status            # nodes, apps, rates, groups, crashes; --watch to follow, --json for scripts
  bin/cocaine logs -f           # the log lines, followed (needs a search engine: docs/operations.md)
  bin/cocaine --help
  http://127.0.0.1:8081/dashboard   # the tracing dashboard

Completion: 'source <(bin/cocaine completion bash)' in ~/.bashrc, or 'source <(bin/cocaine completion zsh)' in ~/.zshrc.

Stop it with: scripts/quickstart.sh stop
MSG
