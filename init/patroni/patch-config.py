# pg-cluster: runs inside a Patroni member (python3 -c, as postgres) for the "dcs-config" step,
# against that member's own REST API (its client certificate; for unsafe calls the basic-auth user
# from its secrets file, read here, so the password is in no argv and no environment).
# Arguments: the member's conf directory, its data directory, PostgreSQL's bin directory, then
# what to do:
#   patch     stdin: the dynamic configuration (JSON) the stack declares. Sends it with
#             PATCH /config, then reads the DCS configuration back until it holds every declared
#             value. Prints "changed" or "unchanged" (what the DCS held before).
#   settled   stdin: the same. Waits until this member applied it (Patroni writes what it applied
#             to patroni.dynamic.json in the data directory, after its reload), then prints
#             "<role> <restart>": role primary or replica; restart 0 (nothing waits for one),
#             1 (a restart applies a setting), or 2 (a replica that waits for a restart its leader
#             must have first: PostgreSQL keeps a replica at least at the values in its control
#             file, the leader's, until it replayed the leader's lower ones).
#   restart   restarts PostgreSQL through Patroni (POST /restart, only when a restart is pending)
#             and waits until it runs again: the leader as the primary, a replica streaming.
import base64
import json
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

conf, data, bindir, action = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
context = ssl.create_default_context(cafile=conf + "/dcs-ca.crt")
context.load_cert_chain(conf + "/member.crt", conf + "/member.key")
with open(conf + "/patroni/10-secrets.yml") as f:
    auth = json.load(f)["restapi"]["authentication"]
token = base64.b64encode((auth["username"] + ":" + auth["password"]).encode()).decode()
# The settings a replica needs at least as high as its primary's, as pg_controldata names them.
CONTROLLED = {"max_connections": "max_connections setting", "max_worker_processes": "max_worker_processes setting",
              "max_wal_senders": "max_wal_senders setting", "max_prepared_transactions": "max_prepared_xacts setting",
              "max_locks_per_transaction": "max_locks_per_xact setting"}


class Unreachable(Exception):
    pass


def call(method, path, body=None, timeout=10, accept=(200,)):
    request = urllib.request.Request("https://localhost:8008" + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if method != "GET":
        request.add_header("Authorization", "Basic " + token)
    try:
        with urllib.request.urlopen(request, context=context, timeout=timeout) as response:
            text = response.read().decode()
    except urllib.error.HTTPError as e:
        text = e.read().decode().strip()
        if e.code not in accept:
            sys.exit("pg-cluster: %s %s answered %d: %s" % (method, path, e.code, text))
    except (urllib.error.URLError, OSError) as e:
        # Patroni's REST API restarting with its member, or busy: a wait tries again.
        raise Unreachable("%s %s: %s" % (method, path, e))
    try:
        return json.loads(text or "null")
    except ValueError:
        return text


def status():
    """GET /patroni, or {} while the REST API does not answer."""
    try:
        answer = call("GET", "/patroni", accept=(200, 503))
        return answer if isinstance(answer, dict) else {}
    except Unreachable:
        return {}


def differences(want, got, path=""):
    if isinstance(want, dict):
        found = []
        for key, value in want.items():
            found += differences(value, (got or {}).get(key) if isinstance(got, dict) else None, path + "/" + key)
        return found
    # Patroni keeps some values as strings, some as numbers: compare as text.
    return [] if str(want).lower() == str(got).lower() else ["%s = %r (declared %r)" % (path, got, want)]


def until(what, check, seconds):
    deadline = time.time() + seconds
    while True:
        result = check()
        if result is not None:
            return result
        if time.time() > deadline:
            sys.exit("pg-cluster: %s: still not so after %d s" % (what, seconds))
        time.sleep(0.5)


def applied():
    try:
        with open(data + "/patroni.dynamic.json") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def control_file():
    out = subprocess.run([bindir + "/pg_controldata", "-D", data], capture_output=True, text=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def waits_for_leader(member):
    """A replica whose control file holds a value above the one it is to run: the leader's, not replayed lower yet."""
    reason = member.get("pending_restart_reason") or {}
    control = {k.strip(): v.strip() for k, v in control_file().items()}
    for name, change in reason.items():
        key = CONTROLLED.get(name.lower())
        wanted = change.get("new_value") if isinstance(change, dict) else None
        if key and key in control and wanted is not None and int(control[key]) > int(wanted):
            return True
    return False


if action == "patch":
    wanted = json.load(sys.stdin)
    before = differences(wanted, call("GET", "/config"))
    left = differences(wanted, call("PATCH", "/config", wanted))
    if left:
        sys.exit("pg-cluster: PATCH /config did not take: " + "; ".join(left))
    # The member answers GET /config from its own view of the DCS, which follows within a loop.
    until("the DCS configuration differs from the declared one after PATCH /config",
          lambda: True if not differences(wanted, call("GET", "/config")) else None, 30)
    print("changed" if before else "unchanged")
elif action == "settled":
    wanted = json.load(sys.stdin)
    # Patroni applies a new DCS configuration at the end of a loop (only the member that took the
    # PATCH is woken): it reloads PostgreSQL, marks what needs a restart, then writes what it
    # applied to patroni.dynamic.json. Up to two loops of the longer loop_wait, old or new.
    loop_wait = max(int(wanted.get("loop_wait", 10)), int((applied() or {}).get("loop_wait", 10)))
    until("this member has not applied the DCS configuration",
          lambda: True if not differences(wanted, applied()) else None, 2 * loop_wait + 30)
    member = until("this member's REST API does not answer", lambda: status() or None, 60)
    role = "primary" if member.get("role") in ("primary", "master") else "replica"
    restart = 1 if member.get("pending_restart") else 0
    if role == "replica" and restart and waits_for_leader(member):
        restart = 2
    print("%s %d" % (role, restart))
elif action == "restart":
    answer = call("POST", "/restart", {"restart_pending": True}, timeout=600, accept=(200, 503))
    if not str(answer).startswith("restarted") and "conditions are not satisfied" not in str(answer):
        sys.exit("pg-cluster: POST /restart: " + str(answer))

    def back():
        member = status()
        # Still pending is possible: a replica whose control file holds its leader's higher value.
        if member.get("state") != "running":
            return None
        if member.get("role") in ("primary", "master"):
            return "primary"
        return "replica" if member.get("replication_state") == "streaming" else None

    print(until("PostgreSQL does not run again (as the primary, or as a streaming replica) after its restart",
                back, 300))
else:
    sys.exit("pg-cluster: patch-config.py: unknown action " + action)
