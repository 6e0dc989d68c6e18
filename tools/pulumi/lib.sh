# Helpers shared by the tools/pulumi/build-*.sh scripts. Sourced, not run.

# Progress goes to stderr: stdout of build.sh is reserved for the bin dir path.
log() { printf '%s\n' "$*" >&2; }

# module_dir MODULE VERSION: download MODULE@VERSION through the Go module proxy
# and print its (read-only) directory in the module cache.
module_dir() {
    _json=$(go mod download -json "$1@$2") || {
        log "go mod download $1@$2 failed:"
        log "$_json"
        return 1
    }
    printf '%s\n' "$_json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}

# writable_copy SRC DEST: the module cache is read-only, and a module whose
# go.mod has `replace ... => ../sdk` must be built from a tree where that
# relative path exists, so builds happen in writable copies.
writable_copy() {
    mkdir -p "$(dirname "$2")"
    cp -R "$1" "$2"
    chmod -R u+w "$2"
}
