#!/usr/bin/env bash
# Sets up and runs every test: unit tests of each module and the multi-process it-tests.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
bash scripts/setup-debian.sh
bash scripts/setup-test-deps.sh
./mvnw -B verify "$@"
