#!/bin/sh
# Builds the local PostgreSQL 17 test image without any container registry:
# a Debian trixie root filesystem made by debootstrap (Debian's own
# postgresql-17 packages, plus prometheus-postgres-exporter and prometheus
# for the monitoring tests, patroni and etcd for the `ha: patroni` mode)
# plus our docker-entrypoint.sh, imported with
# `docker import`.
#
# Usage (as root, from any directory):   sh src/test/image/build.sh
#
# The image is tagged  pg-cluster-test/postgres:17-<hash>  where <hash> is the
# first 12 hex digits of a sha256 over every file of this directory, and also
# pg-cluster-test/postgres:17 (stable alias). When the hashed tag already
# exists locally nothing is rebuilt; only the alias is (re)applied.
#
# Progress goes to stderr; the only line on stdout is the final image
# reference, so callers can do  IMAGE=$(sh src/test/image/build.sh).
set -eu

REPOSITORY=pg-cluster-test/postgres
MAJOR=17
SUITE=trixie
# The official image runs the server as uid/gid 999; we renumber ours to match.
PG_UID=999
PG_GID=999
# Monitoring: the metrics exporter and the Prometheus server (with promtool)
# the monitoring tests run; both are plain binaries started by the tests,
# never as services (the image has no init system).
MONITORING_PACKAGES=prometheus-postgres-exporter,prometheus
# High availability (issue 21): Patroni 4 and its etcd 3.5 DCS (etcd-server
# has the etcd binary, etcd-client etcdctl). Started by the tests as plain
# processes too; the packages' systemd units are never used.
HA_PACKAGES=patroni,etcd-server,etcd-client
# Backups (issue 23): pgBackRest 2.55 (archive-push/get in the nodes, its TLS server in the
# nodes' sidecars and the repository container). Its package's /etc/pgbackrest.conf is never
# read: every command names --config-path, every remote *-host-config-path.
BACKUP_PACKAGES=pgbackrest
# debootstrap + trimming needs about 0.9 GB; ask for some headroom.
MIN_FREE_KB=2000000

log() { printf 'build.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

started=$(date +%s)
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot and chown need it)"
for tool in debootstrap docker sha256sum tar chroot; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool not found: $tool"
done
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (docker info failed)"

# --- content hash of the recipe --------------------------------------------
# Relative paths + contents of every file here, in a fixed order, so the hash
# does not depend on where the repository is checked out.
recipe_hash=$(
    cd "$here" &&
    find . -type f -print | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum | cut -c1-12
)
image="$REPOSITORY:$MAJOR-$recipe_hash"
alias_ref="$REPOSITORY:$MAJOR"

if docker image inspect "$image" >/dev/null 2>&1; then
    docker tag "$image" "$alias_ref"
    log "cached: $image already exists, not rebuilding (alias $alias_ref re-applied)"
    log "elapsed: $(( $(date +%s) - started )) s"
    printf '%s\n' "$image"
    exit 0
fi

# --- work directory under /var/tmp (disk-backed; /tmp may be a small tmpfs) --
workbase=/var/tmp
free_kb=$(df -Pk "$workbase" | awk 'NR == 2 { print $4 }')
[ "${free_kb:-0}" -ge "$MIN_FREE_KB" ] ||
    die "not enough free space in $workbase: ${free_kb:-?} KB free, need $MIN_FREE_KB KB"

workdir=''
import_ref=''
cleanup() {
    status=$?
    if [ -n "$import_ref" ]; then
        docker rmi "$import_ref" >/dev/null 2>&1 || true
    fi
    if [ -n "$workdir" ] && [ -d "$workdir" ]; then
        # debootstrap normally unmounts what it mounted (/proc, /sys, bind
        # mounts of /dev when mknod is not allowed), but not always on
        # failure. Never rm -rf through a live mount: unmount deepest first.
        awk -v prefix="$workdir/" 'index($2, prefix) == 1 { print $2 }' /proc/self/mounts |
            sort -r | while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
        if awk -v prefix="$workdir/" 'index($2, prefix) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
            log "warning: something is still mounted under $workdir; leaving it in place"
        else
            rm -rf --one-file-system "$workdir"
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

workdir=$(mktemp -d "$workbase/pg-cluster-image.XXXXXX")
workdir=$(cd "$workdir" && pwd -P)
rootfs="$workdir/rootfs"
log "building $image in $workdir"

# --- 1. root filesystem from Debian packages --------------------------------
# No mirror argument: debootstrap's built-in default mirror is used.
# debootstrap puts a policy-rc.d that refuses every start and a fake
# start-stop-daemon in place while it installs, so no postinst starts a
# server (postgresql, prometheus, the exporter); checked below all the same.
log "debootstrap $SUITE with postgresql-$MAJOR, $MONITORING_PACKAGES, $HA_PACKAGES and $BACKUP_PACKAGES (this takes a minute or two)"
debootstrap --variant=minbase \
    --include="postgresql-$MAJOR,postgresql-client-$MAJOR,$MONITORING_PACKAGES,$HA_PACKAGES,$BACKUP_PACKAGES" \
    "$SUITE" "$rootfs" >&2
log "debootstrap done after $(( $(date +%s) - started )) s"

pgbin="/usr/lib/postgresql/$MAJOR/bin"
[ -x "$rootfs$pgbin/postgres" ] || die "$pgbin/postgres missing from the root filesystem"
for bin in /usr/bin/prometheus-postgres-exporter /usr/bin/prometheus /usr/bin/promtool \
           /usr/bin/patroni /usr/bin/patronictl /usr/bin/etcd /usr/bin/etcdctl; do
    [ -x "$rootfs$bin" ] || die "$bin missing from the root filesystem"
done
# The program starts the exporter and Prometheus by the paths of the official images
# (/bin/postgres_exporter, /bin/prometheus); /bin is /usr/bin in trixie.
ln -s prometheus-postgres-exporter "$rootfs/usr/bin/postgres_exporter"
[ -x "$rootfs/bin/postgres_exporter" ] && [ -x "$rootfs/bin/prometheus" ] ||
    die "/bin/postgres_exporter or /bin/prometheus missing from the root filesystem"
log "packages: $(chroot "$rootfs" dpkg-query -W -f '${Package} ${Version}, ' \
    "postgresql-$MAJOR" prometheus-postgres-exporter prometheus patroni etcd-server etcd-client |
    sed 's/, $//')"
# Patroni loads its DCS module at start: fail here, not in a test, when the
# etcd3 module or one of its Python dependencies is missing.
chroot "$rootfs" python3 -c 'import patroni.dcs.etcd3' ||
    die "Patroni's etcd3 DCS module does not load in the root filesystem"
# A process whose root is the new root filesystem was started by a postinst.
for proc in /proc/[0-9]*; do
    if [ "$(readlink "$proc/root" 2>/dev/null)" = "$rootfs" ]; then
        die "a process was started inside the root filesystem during installation: $(tr '\0' ' ' < "$proc/cmdline")"
    fi
done

# --- 2. drop the cluster postgresql-common created during installation -----
# Its postinst runs pg_createcluster (create_main_cluster defaults to true);
# our entrypoint runs initdb on $PGDATA itself, so that cluster must go.
# Also switch automatic creation off, in case someone apt-installs inside.
rm -rf "$rootfs/etc/postgresql/$MAJOR" "$rootfs/var/lib/postgresql/$MAJOR"
rm -f "$rootfs/var/log/postgresql/postgresql-$MAJOR-main.log"
if [ -f "$rootfs/etc/postgresql-common/createcluster.conf" ]; then
    sed -i 's/^#\{0,1\}[[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' \
        "$rootfs/etc/postgresql-common/createcluster.conf"
fi
leftover=$(find "$rootfs/etc/postgresql" "$rootfs/var/lib/postgresql" -name PG_VERSION -o -name postgresql.conf 2>/dev/null || true)
[ -z "$leftover" ] || die "an auto-created cluster is still present: $leftover"

# --- 3. postgres user: same uid/gid as the official image ------------------
old_uid=$(chroot "$rootfs" id -u postgres)
old_gid=$(chroot "$rootfs" id -g postgres)
if [ "$old_uid" != "$PG_UID" ] || [ "$old_gid" != "$PG_GID" ]; then
    if chroot "$rootfs" getent passwd "$PG_UID" >/dev/null || chroot "$rootfs" getent group "$PG_GID" >/dev/null; then
        log "warning: uid/gid $PG_UID already taken in the rootfs; postgres keeps $old_uid:$old_gid"
    else
        chroot "$rootfs" groupmod -g "$PG_GID" postgres
        chroot "$rootfs" usermod -u "$PG_UID" -g "$PG_GID" postgres
        # usermod only fixes the home directory; fix everything else too.
        find "$rootfs" -xdev -uid "$old_uid" -exec chown -h "$PG_UID" {} +
        find "$rootfs" -xdev -gid "$old_gid" -exec chgrp -h "$PG_GID" {} +
    fi
fi
log "postgres user in the image: $(chroot "$rootfs" id postgres)"

# --- 4. entrypoint, directories, server defaults ---------------------------
install -m 0755 "$here/docker-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"

# Like the official image: PGDATA owned by postgres, mode 1777 so that a
# (semi-)arbitrary --user can still create a PGDATA subdirectory; the
# entrypoint tightens PGDATA to 0700 at run time.
mkdir -p "$rootfs/var/lib/postgresql/data"
chroot "$rootfs" chown postgres:postgres /var/lib/postgresql/data
chmod 1777 "$rootfs/var/lib/postgresql/data"
# Socket directory (/var/run is a symlink to /run in Debian).
mkdir -p "$rootfs/run/postgresql"
chroot "$rootfs" chown postgres:postgres /run/postgresql
chmod 3777 "$rootfs/run/postgresql"
mkdir -p "$rootfs/docker-entrypoint-initdb.d"
chmod 0755 "$rootfs/docker-entrypoint-initdb.d"

# initdb copies this sample into every new cluster: listen on all interfaces
# (initdb's own default, 'localhost', is useless inside a container).
sample="$rootfs/usr/share/postgresql/$MAJOR/postgresql.conf.sample"
sed -i "s/^#\{0,1\}listen_addresses[[:space:]]*=[[:space:]]*'[^']*'/listen_addresses = '*'/" "$sample"
grep -q "^listen_addresses = '\*'" "$sample" || die "could not set listen_addresses in $sample"

# --- 5. trim what a test image does not need -------------------------------
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
       "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/debconf/*-old \
       "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
       "$rootfs"/debootstrap
mkdir -p "$rootfs/var/lib/apt/lists/partial"
# Documentation: keep only the copyright files (licences).
find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
# Message catalogues and locales: keep only what the C / C.UTF-8 locale uses.
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
find "$rootfs/usr/lib/locale" -mindepth 1 -maxdepth 1 ! -name C.utf8 -exec rm -rf {} +
if [ -d "$rootfs/usr/share/i18n/locales" ]; then
    find "$rootfs/usr/share/i18n/locales" -mindepth 1 -maxdepth 1 \
        ! -name C ! -name POSIX ! -name 'i18n*' ! -name 'translit_*' -exec rm -rf {} +
    find "$rootfs/usr/share/i18n/charmaps" -mindepth 1 -maxdepth 1 ! -name 'UTF-8*' -exec rm -rf {} +
fi
# etcdutl (17 MB, in etcd-server) restores and defragments a stopped member's
# data offline (snapshot restore, defrag); no test here does either.
rm -f "$rootfs/usr/bin/etcdutl"
# Build-time logs and host details debootstrap copied in (Docker provides
# its own /etc/resolv.conf, /etc/hostname and /dev at run time).
find "$rootfs/var/log" -type f -exec sh -c ': > "$1"' _ {} \;
rm -f "$rootfs/var/log/bootstrap.log"
: > "$rootfs/etc/resolv.conf"
: > "$rootfs/etc/hostname"
find "$rootfs/dev" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +
log "root filesystem: $(du -sh --one-file-system "$rootfs" | cut -f1)"

# --- 6. import ---------------------------------------------------------------
# `docker import --change` accepts CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER,
# VOLUME, WORKDIR, ONBUILD, but Docker 20.10 rejects STOPSIGNAL ("stopsignal
# is not a valid change command"). So: import under a temporary tag, then
# add STOPSIGNAL with a one-line Dockerfile on top (metadata only, no new
# filesystem layer; FROM resolves the local image, no registry involved).
log "importing into Docker"
import_ref="$image-rootfs"
tar --numeric-owner -C "$rootfs" -c . | docker import \
    -c "ENV PATH=$pgbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    -c 'ENV PGDATA=/var/lib/postgresql/data' \
    -c 'ENV LANG=C.UTF-8' \
    -c 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    -c 'CMD ["postgres"]' \
    -c 'EXPOSE 5432' \
    -c 'VOLUME /var/lib/postgresql/data' \
    -c "LABEL org.opencontainers.image.title=pg-cluster-test-postgres pg-cluster-test.recipe-hash=$recipe_hash" \
    -m "pg-cluster test image, recipe $recipe_hash" \
    - "$import_ref" >&2
printf 'FROM %s\nSTOPSIGNAL SIGINT\n' "$import_ref" | docker build -q -t "$image" - >&2
docker rmi "$import_ref" >/dev/null
import_ref=''
[ "$(docker image inspect -f '{{.Config.StopSignal}}' "$image")" = SIGINT ] ||
    die "STOPSIGNAL did not make it into $image"
docker tag "$image" "$alias_ref"

log "built $image (alias $alias_ref), size $(docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
log "elapsed: $(( $(date +%s) - started )) s"
printf '%s\n' "$image"
