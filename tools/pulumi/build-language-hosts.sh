#!/bin/sh
# Builds our own language hosts, pulumi-language-java and
# pulumi-language-nodejs, from tools/pulumi/langhost/ into OUTDIR.
# Usage: build-language-hosts.sh OUTDIR [java|nodejs]... (default: both)
#
# Why not upstream's: the Go module proxy here refuses both
# github.com/pulumi/pulumi-java and
# github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 (403 for
# every version), and no registry ships their binaries. Ours depend only on
# github.com/pulumi/pulumi/sdk/v3 at the CLI's version; langhost/*/main.go
# say what each one does and does not do.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.env"
. "$here/lib.sh"

out=${1:?usage: build-language-hosts.sh OUTDIR [java|nodejs]...}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ $# -gt 0 ] || set -- java nodejs

# -buildvcs=false: langhost/ sits inside this project's git checkout, and Go
# would otherwise stamp (or fail to read) its VCS state.
cd "$here/langhost"
for lang in "$@"; do
    # The version names the contract the host follows (the Java SDK's or the
    # CLI's release), and +pgcluster says that it is not the upstream binary.
    case $lang in
        java) version=$PULUMI_JAVA_VERSION+pgcluster ;;
        nodejs) version=$PULUMI_VERSION+pgcluster ;;
        *) log "build-language-hosts.sh: unknown language '$lang' (java, nodejs)"; exit 2 ;;
    esac
    CGO_ENABLED=0 go build -trimpath -buildvcs=false \
        -ldflags "-s -w -X main.version=$version" \
        -o "$out/pulumi-language-$lang" "./cmd/pulumi-language-$lang"
    log "built $out/pulumi-language-$lang ($version)"
done
