# pg-cluster: runs inside a Patroni member (python3 -c, as postgres) for the "dcs-config" step,
# against that member's own REST API (its client certificate; for unsafe calls the basic-auth user
# from its secrets file, read here, so the password is in no argv and no environment).
# Arguments: the member's conf directory, its data directory, then what to do:
#   patch     stdin: the dynamic configuration (JSON) the stack declares. Sends it with
#             PATCH /config, then reads the DCS configuration back until it holds every declared
#             value. Prints "changed" or "unchanged" (what the DCS held before).
#   settled   stdin: the same. Waits until this member applied it (Patroni writes what it applied
#             to patroni.dynamic.json in the data directory, after its reload), then prints
#             "<role> <pending>": primary or replica, and 1 when PostgreSQL waits for a restart to
#             apply a setting (0 otherwise).
#   restart   restarts PostgreSQL through Patroni (POST /restart, only when a restart is pending)
#             and waits until it runs again: the leader as the primary, a replica streaming.
import base64
import json
import ssl
import sys
import time
import urllib.error
import urllib.request

conf, data, action = sys.argv[1], sys.argv[2], sys.argv[3]
context = ssl.create_default_context(cafile=conf + "/dcs-ca.crt")
context.load_cert_chain(conf + "/member.crt", conf + "/member.key")
with open(conf + "/patroni/10-secrets.yml") as f:
    auth = json.load(f)["restapi"]["authentication"]
token = base64.b64encode((auth["username"] + ":" + auth["password"]).encode()).decode()


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
    try:
        return json.loads(text or "null")
    except ValueError:
        return text


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
    # Patroni applies a new DCS configuration at the end of a loop: it reloads PostgreSQL, marks
    # what needs a restart, then writes what it applied to patroni.dynamic.json.
    until("this member has not applied the DCS configuration",
          lambda: True if not differences(wanted, applied()) else None, 60)
    status = call("GET", "/patroni", accept=(200, 503))
    role = "primary" if status.get("role") in ("primary", "master") else "replica"
    if role == "replica" and status.get("pending_restart"):
        # A replica PostgreSQL kept at a higher value (from its control file) learns the leader's
        # lower one by replaying its WAL: let it stream and replay what it received before its
        # restart, so that one restart is enough.
        def streaming():
            now = call("GET", "/patroni", accept=(200, 503))
            return now if now.get("replication_state") == "streaming" else None

        def location(status, key):
            return (status.get("xlog") or {}).get(key, 0)

        deadline = time.time() + 30
        now = streaming()
        while now is None and time.time() < deadline:
            time.sleep(0.5)
            now = streaming()
        if now is not None:
            received = location(now, "received_location")
            while location(now, "replayed_location") < received and time.time() < deadline:
                time.sleep(0.2)
                now = call("GET", "/patroni", accept=(200, 503))
        status = call("GET", "/patroni", accept=(200, 503))
    print("%s %d" % (role, 1 if status.get("pending_restart") else 0))
elif action == "restart":
    answer = call("POST", "/restart", {"restart_pending": True}, timeout=600, accept=(200, 503))
    if not str(answer).startswith("restarted") and "conditions are not satisfied" not in str(answer):
        sys.exit("pg-cluster: POST /restart: " + str(answer))

    def back():
        status = call("GET", "/patroni", accept=(200, 503))
        # Still pending is possible: a replica restarted before its leader lowered a value.
        if status.get("state") != "running":
            return None
        if status.get("role") in ("primary", "master"):
            return "primary"
        return "replica" if status.get("replication_state") == "streaming" else None

    print(until("PostgreSQL does not run again (as the primary, or as a streaming replica) after its restart",
                back, 300))
else:
    sys.exit("pg-cluster: patch-config.py: unknown action " + action)
