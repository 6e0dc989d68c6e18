#!/usr/bin/env bash
# pg-cluster's benchmark (README.md, "Performance"): the one command that reproduces the table.
#   bench/run.sh [--runs N] [--replicas 1,2,3] [--scale S] [--pgbench-seconds T] [--switchovers K]
# Needs what .ci/run installs (Docker engine, the test image, the Pulumi toolchain) plus Debian's
# docker-compose, which it installs when missing. Writes target/bench/bench.json and bench.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v docker-compose >/dev/null 2>&1; then
    echo "bench: installing Debian's docker-compose"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker-compose
fi
docker info >/dev/null 2>&1 || { echo "bench: the Docker engine does not answer (start dockerd; see .ci/run)"; exit 1; }
sh src/test/image/build.sh >/dev/null
if ! command -v pulumi >/dev/null 2>&1; then
    PATH="$(sh tools/pulumi/build.sh | tail -n 1):$PATH"
    export PATH
fi
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_SKIP_UPDATE_CHECK=true
mvn -B -q -DskipTests -DpolicyPack.skip=true test-compile
mvn -B -q -DpolicyPack.skip=true exec:java -DmainClass=dev.pgcluster.bench.Bench \
    -Dexec.classpathScope=test -DmainArgs="$*" -Dexec.cleanupDaemonThreads=false
