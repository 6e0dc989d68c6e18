#!/bin/sh
# Lints the GitHub Actions workflows with actionlint, so a workflow GitHub would reject or run
# wrongly (a YAML error, an unknown key, an unknown input of a well-known action, a bad `${{ }}`
# expression, a shell mistake in a `run:` script) fails here instead of silently never running.
# A step `name:` containing ": " once made .github/workflows/pull-request.yml invalid YAML,
# unnoticed because nothing parsed the file.
#
#     sh tools/actionlint/lint.sh              # every .github/workflows/*.yml and *.yaml
#     sh tools/actionlint/lint.sh FILE...      # just these files
#
# actionlint is built once from its Go module (pinned below) with `go install` and cached by
# version under ${PG_CLUSTER_ACTIONLINT_CACHE:-/var/cache/pg-cluster/actionlint}/VERSION/;
# later runs reuse the binary. actionlint hands each `run:` script to shellcheck; shellcheck
# must be on PATH (Debian/Ubuntu package `shellcheck`) so that every machine checks the same.
#
# Exits non-zero when actionlint reports anything, or when go or shellcheck is missing.
set -eu

ACTIONLINT_VERSION=v1.7.12

log() { printf 'actionlint: %s\n' "$*" >&2; }

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${PG_CLUSTER_ACTIONLINT_CACHE:-/var/cache/pg-cluster/actionlint}
# shellcheck source=tools/lib/go-install.sh
. "$root/tools/lib/go-install.sh"

command -v shellcheck >/dev/null 2>&1 || {
    log "shellcheck is not on PATH (install the shellcheck package); without it actionlint skips run: scripts"
    exit 1
}

bin=$(go_install_cached actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION" "$cache") || exit 1

if [ $# -eq 0 ]; then
    set --
    for f in "$root"/.github/workflows/*.yml "$root"/.github/workflows/*.yaml; do
        if [ -f "$f" ]; then set -- "$@" "$f"; fi
    done
    [ $# -gt 0 ] || { log "no workflow files under $root/.github/workflows"; exit 1; }
fi

log "$("$bin" -version | head -n 1), $(shellcheck --version | sed -n 's/^version: /shellcheck /p')"
# -shellcheck names the binary explicitly; actionlint's exit status is non-zero on any finding.
"$bin" -shellcheck "$(command -v shellcheck)" "$@"
log "no findings in $# file(s)"
