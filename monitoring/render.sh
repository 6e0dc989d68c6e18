#!/bin/sh
# Fills the placeholders of a monitoring template (alerts.rules.yml, prometheus.yml) and prints
# the result. Values come from defaults.env beside this script; KEY=value arguments override
# them. Fails on an unknown key, a value with a newline, or a placeholder left unfilled.
#
# Usage: sh monitoring/render.sh TEMPLATE [KEY=value ...] > RENDERED
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
die() { printf 'render.sh: %s\n' "$*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: render.sh TEMPLATE [KEY=value ...]"
template=$1
shift
[ -r "$template" ] || die "cannot read template $template"

# Defaults first, then the arguments: a later KEY=value wins.
assignments=$(grep -v '^[[:space:]]*\(#\|$\)' "$here/defaults.env")
for arg in "$@"; do
    case $arg in
        *=*) ;;
        *) die "not KEY=value: $arg" ;;
    esac
    key=${arg%%=*}
    grep -q "^$key=" "$here/defaults.env" ||
        die "unknown placeholder $key (known: $(sed -n 's/^\([A-Z_]*\)=.*/\1/p' "$here/defaults.env" | tr '\n' ' '))"
    assignments=$(printf '%s\n%s' "$assignments" "$arg")
done

script=''
while IFS= read -r line; do
    key=${line%%=*}
    value=${line#*=}
    printf '%s\n' "$key" | grep -q '^[A-Z][A-Z0-9_]*$' || die "bad placeholder name: $key"
    # Escape what sed's replacement treats specially: backslash, the delimiter |, and &.
    escaped=$(printf '%s' "$value" | sed 's/[\\|&]/\\&/g')
    script="${script}s|{{$key}}|$escaped|g
"
done <<EOF_ASSIGNMENTS
$(printf '%s\n' "$assignments" | awk '{ key = $0; sub(/=.*/, "", key); last[key] = $0 }
                                       END { for (k in last) print last[k] }')
EOF_ASSIGNMENTS

rendered=$(sed "$script" "$template")
left=$(printf '%s\n' "$rendered" | grep -o '{{[A-Z][A-Z0-9_]*}}' | sort -u | tr '\n' ' ' || true)
[ -z "$left" ] || die "$template: placeholders without a value: $left"
printf '%s\n' "$rendered"
