# The steady writer, run inside the client container (sh /tmp/writer.sh).
# One new connection per attempt to whichever host takes writes
# (target_session_attrs=read-write over the three members), one row each.
# Log lines: "<end> ok <id> <node> <start>" for an acknowledged insert,
# "<end> fail <id> - <start>" (epoch seconds when the attempt ended/started:
# an insert acknowledged just before a kill ends just after it, so what
# counts as "after the kill" is an attempt that started after it).
# Stops when /tmp/writer.stop exists.
set -u
export PGPASSFILE=/tmp/pgpass PGCONNECT_TIMEOUT=2
conninfo="host=spike21-pg0,spike21-pg1,spike21-pg2 port=5432 dbname=postgres user=app target_session_attrs=read-write sslmode=verify-full sslrootcert=/tmp/ca.crt application_name=writer"
id=${1:-1}
rm -f /tmp/writer.stop
while [ ! -e /tmp/writer.stop ]; do
    start=$(date +%s.%N)
    if node=$(psql "$conninfo" -XAtq -c "INSERT INTO spike (id) VALUES ($id) RETURNING node" 2>/dev/null); then
        echo "$(date +%s.%N) ok $id $node $start"
    else
        echo "$(date +%s.%N) fail $id - $start"
        sleep 0.1
    fi
    id=$((id + 1))
done >> /tmp/writer.log
