# shellcheck shell=sh
# Sourced by the tools that build a program from its Go module (tools/actionlint/lint.sh,
# tools/versitygw/build.sh): one way to build once per version and reuse the binary.
#
# go_install_cached NAME PACKAGE VERSION CACHE [ENV…]: the path of NAME built from PACKAGE@VERSION
# with `go install`, cached under CACHE/VERSION/ (built there the first time). ENV (NAME=VALUE)
# is set for the build only, e.g. CGO_ENABLED=0. The binary is built beside the cache entry and
# then renamed: a half-written one is never taken for a cached one, and two builds at once each
# rename a whole one. Messages go to stderr; exits non-zero when go is missing or the build fails.
go_install_cached() {
    gic_name=$1 gic_package=$2 gic_version=$3 gic_cache=$4
    shift 4
    gic_bin=$gic_cache/$gic_version/$gic_name
    if [ ! -x "$gic_bin" ]; then
        command -v go >/dev/null 2>&1 || {
            echo "$gic_name: go is not on PATH; it is needed once to build $gic_name $gic_version" >&2
            return 1
        }
        gic_started=$(date +%s)
        echo "$gic_name: building $gic_version into $gic_bin ..." >&2
        mkdir -p "$gic_cache/$gic_version"
        gic_tmp=$(mktemp -d "$gic_cache/$gic_version/.build.XXXXXX")
        if ! env "$@" GOBIN="$gic_tmp" go install "$gic_package@$gic_version" >&2; then
            rm -rf "$gic_tmp"
            echo "$gic_name: building $gic_version FAILED" >&2
            return 1
        fi
        mv -f "$gic_tmp/$gic_name" "$gic_bin"
        rm -rf "$gic_tmp"
        echo "$gic_name: built in $(( $(date +%s) - gic_started )) s" >&2
    fi
    printf '%s\n' "$gic_bin"
}
