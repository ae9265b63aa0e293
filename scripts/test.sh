#!/usr/bin/env bash
# Sets up and runs every test: unit tests of each module and the multi-process it-tests.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
bash scripts/setup-debian.sh
bash scripts/setup-test-deps.sh
bash scripts/docker.sh start || echo "dockerd cannot run here: the docker isolate tests will be skipped"
trap 'bash scripts/docker.sh stop || true' EXIT
./mvnw -B verify "$@"
