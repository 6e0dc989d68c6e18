#!/bin/sh
# Builds the Pulumi toolchain this project runs (the CLI, the language hosts
# and the provider plugins) from Go sources, and caches it by content.
#
#   PATH="$(tools/pulumi/build.sh | tail -1):$PATH"
#
# No registry here ships Pulumi binaries, so every piece is compiled (30+ min
# cold on 2 cores). The pieces and where their source comes from:
#   cli      pulumi                   build-cli.sh: pkg/v3 + sdk/v3 from the Go module proxy
#   java     pulumi-language-java     build-language-hosts.sh: our own host, langhost/
#   nodejs   pulumi-language-nodejs   build-language-hosts.sh: our own host, langhost/;
#                                     it runs TypeScript policy packs (the CLI starts a
#                                     policy pack through this host's RunPlugin)
#   command  pulumi-resource-command  build-command-provider.sh: our own provider,
#                                     command-provider/ (the contract of 1.1.3)
#   docker   pulumi-resource-docker   build-docker-provider.sh
# The upstream language hosts and providers are Go modules the proxy here refuses; each
# script says what its piece is and where its source comes from.
#
# The cache key covers every file under tools/pulumi/ (versions.env, scripts,
# patches, our Go sources) and the Go version, so a changed pin, script or
# patch rebuilds; otherwise the cached toolchain is returned in under a second.
#
# Cache root: ${PG_CLUSTER_TOOLCHAIN_CACHE:-/var/cache/pg-cluster/pulumi-toolchain}
#   KEY/pieces/PIECE/   one finished piece (moved into place when complete)
#   KEY/bin/            the whole toolchain, created only once every piece is
#                       there: a half-built toolchain never counts as cached
#
# Options:
#   --only LIST   build only these pieces (comma-separated, from
#                 cli,java,nodejs,command,docker) and print a bin dir holding
#                 just them; finished pieces are kept for the full build.
#
# Progress goes to stderr; the last line of stdout is the bin dir.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.env"
. "$here/lib.sh"

all_pieces="cli java nodejs command docker"
pieces=$all_pieces
only=
while [ $# -gt 0 ]; do
    case $1 in
        --only) only=$(printf '%s' "${2:?--only needs a list}" | tr ',' ' '); shift 2 ;;
        --only=*) only=$(printf '%s' "${1#--only=}" | tr ',' ' '); shift ;;
        *) log "usage: build.sh [--only cli,java,nodejs,command,docker]"; exit 2 ;;
    esac
done
if [ -n "$only" ]; then
    for p in $only; do
        case " $all_pieces " in *" $p "*) ;; *) log "build.sh: unknown piece '$p' (known: $all_pieces)"; exit 2 ;; esac
    done
    pieces=$only
fi

# binary_of PIECE: the file a finished piece must contain.
binary_of() {
    case $1 in
        cli) echo pulumi ;;
        java) echo pulumi-language-java ;;
        nodejs) echo pulumi-language-nodejs ;;
        command) echo pulumi-resource-command ;;
        docker) echo pulumi-resource-docker ;;
    esac
}

# build_piece PIECE OUTDIR: run the script that builds PIECE (each under its
# own #! interpreter). Its stdout goes to stderr too: our stdout carries only
# the bin dir.
build_piece() {
    case $1 in
        cli) "$here/build-cli.sh" "$2" ;;
        java) "$here/build-language-hosts.sh" "$2" java ;;
        nodejs) "$here/build-language-hosts.sh" "$2" nodejs ;;
        command) "$here/build-command-provider.sh" "$2" ;;
        docker)
            if [ ! -f "$here/build-docker-provider.sh" ]; then
                log "build.sh: $here/build-docker-provider.sh is missing: cannot build the docker provider."
                return 1
            fi
            "$here/build-docker-provider.sh" "$2" ;;
    esac >&2
}

command -v go >/dev/null || { log "build.sh: go is not on PATH (Go $(sed -n 's/^go //p' "$here/langhost/go.mod") or newer is needed)"; exit 1; }

# Cache key: the Go version and every file under tools/pulumi/ (path and
# content; versions.env is one of them).
key=$(
    {
        go version
        cd "$here" && find . -type f ! -path '*/.git/*' | LC_ALL=C sort | xargs sha256sum
    } | sha256sum | cut -c1-16
)
cache=${PG_CLUSTER_TOOLCHAIN_CACHE:-/var/cache/pg-cluster/pulumi-toolchain}
entry=$cache/$key
mkdir -p "$entry/pieces"

started=$(date +%s)

# A full toolchain already built: nothing to do.
if [ -z "$only" ] && [ -d "$entry/bin" ]; then
    log "pulumi toolchain: cached at $entry/bin (warm: $(( $(date +%s) - started )) s)"
    echo "$entry/bin"
    exit 0
fi

# One build per key at a time; a second caller waits, then finds the pieces.
exec 9>"$entry/.lock"
if ! flock -n 9; then
    log "pulumi toolchain: another build of $key is running; waiting for it"
    flock 9
fi

built_any=
for piece in $pieces; do
    dest=$entry/pieces/$piece
    if [ -x "$dest/$(binary_of "$piece")" ]; then
        log "pulumi toolchain: $piece cached"
        continue
    fi
    # Build into a scratch dir on the same file system, then rename it into
    # place: a piece either is complete or is not there at all.
    tmp=$(mktemp -d "$entry/pieces/.$piece.XXXXXX")
    t0=$(date +%s)
    log "pulumi toolchain: building $piece ..."
    if ! build_piece "$piece" "$tmp"; then
        rm -rf "$tmp"
        log "pulumi toolchain: building $piece FAILED"
        exit 1
    fi
    if [ ! -x "$tmp/$(binary_of "$piece")" ]; then
        rm -rf "$tmp"
        log "pulumi toolchain: building $piece produced no $(binary_of "$piece")"
        exit 1
    fi
    rm -rf "$dest"
    mv "$tmp" "$dest"
    built_any=yes
    log "pulumi toolchain: $piece built in $(( $(date +%s) - t0 )) s"
done

# assemble DIR: link the requested pieces' binaries into DIR, atomically
# (hard links: the same file system, and no second copy of ~200 MB).
assemble() {
    tmp=$(mktemp -d "$entry/.bin.XXXXXX")
    for piece in $pieces; do
        cp -p -l "$entry/pieces/$piece/"* "$tmp/"
    done
    chmod 755 "$tmp"
    rm -rf "$1"
    mv "$tmp" "$1"
}

if [ -n "$only" ]; then
    bin=$entry/only-$(printf '%s\n' $pieces | LC_ALL=C sort | paste -sd- -)
else
    bin=$entry/bin
fi
# Reassemble only when a piece was (re)built or the dir is missing.
if [ -n "$built_any" ] || [ ! -d "$bin" ]; then
    assemble "$bin"
fi
if [ -n "$built_any" ]; then
    log "pulumi toolchain: built at $bin (cold: $(( $(date +%s) - started )) s)"
else
    log "pulumi toolchain: cached at $bin (warm: $(( $(date +%s) - started )) s)"
fi
echo "$bin"
