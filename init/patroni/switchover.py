# pg-cluster: runs inside a Patroni member (python3 -c, as postgres) for the "leader" step.
# Makes the preferred member the leader: nothing when it leads already; otherwise a planned
# switchover through Patroni's REST API (POST /switchover, the basic-auth user read here from the
# member's secrets file), refused when the candidate does not stream, lags, or (with synchronous
# replication) is not yet one of the leader's synchronous or quorum standbys, which Patroni
# requires of a candidate, for 30 s; then waits until it leads. Arguments: the member's conf
# directory, the preferred member, the lag bound in bytes, the timeout in seconds, "on" when
# replication is synchronous. Its last line on stdout says what it did.
import base64
import json
import ssl
import sys
import time
import urllib.error
import urllib.request

conf, preferred, max_lag, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
synchronous = sys.argv[5] == "on"
READY_WITHIN = 30
context = ssl.create_default_context(cafile=conf + "/dcs-ca.crt")
context.load_cert_chain(conf + "/member.crt", conf + "/member.key")
with open(conf + "/patroni/10-secrets.yml") as f:
    auth = json.load(f)["restapi"]["authentication"]
token = base64.b64encode((auth["username"] + ":" + auth["password"]).encode()).decode()


def call(method, path, body=None, accept=()):
    """The answer's JSON (or text); None for an HTTP status in accept; any other error ends the step."""
    request = urllib.request.Request("https://localhost:8008" + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if method != "GET":
        request.add_header("Authorization", "Basic " + token)
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            text = response.read().decode()
            try:
                return json.loads(text or "null")
            except ValueError:
                return text
    except urllib.error.HTTPError as e:
        text = e.read().decode().strip()
        if e.code in accept:
            print("pg-cluster: %s %s answered %d: %s; trying again" % (method, path, e.code, text), file=sys.stderr)
            return None
        sys.exit("pg-cluster: %s %s answered %d: %s" % (method, path, e.code, text))


def members():
    return {m["name"]: m for m in call("GET", "/cluster").get("members", [])}


def leader(found):
    return next((n for n, m in found.items() if m.get("role") in ("leader", "master") and m.get("state") == "running"),
                None)


def not_ready(candidate):
    """Why the candidate cannot take over now, or None."""
    if candidate is None:
        return "it is not a member"
    if candidate.get("state") != "streaming":
        return "it does not stream from the leader (state: %s)" % candidate.get("state")
    lag = candidate.get("lag")
    if not isinstance(lag, int) or lag > max_lag:
        return "it is %s bytes behind (at most %d)" % (lag, max_lag)
    if synchronous and candidate.get("role") not in ("sync_standby", "quorum_standby"):
        return "it is not yet a synchronous standby of the leader (role: %s)" % candidate.get("role")
    return None


started = time.time()
refusals = 0
while True:
    found = members()
    current = leader(found)
    if current == preferred:
        print("pg-cluster: %s leads, as pg-cluster:primary prefers" % preferred)
        sys.exit(0)
    if current is None:
        sys.exit("pg-cluster: no member leads now (%s): no switchover to %s; run pulumi up again once Patroni elected one"
                 % (", ".join("%s %s" % (n, m.get("state")) for n, m in sorted(found.items())), preferred))
    reason = not_ready(found.get(preferred))
    if reason is None:
        answer = call("POST", "/switchover", {"leader": current, "candidate": preferred}, accept=(503,))
        if answer is not None:
            break
        # Patroni refused at the last moment (the candidate's state moved): look again, a few times.
        refusals += 1
        if refusals >= 5:
            sys.exit("pg-cluster: Patroni refused the switchover from %s to %s %d times (see its log: docker logs of "
                     "the members)" % (current, preferred, refusals))
    elif time.time() - started > READY_WITHIN:
        sys.exit("pg-cluster: refusing to switch over from %s to %s: %s" % (current, preferred, reason))
    time.sleep(0.5)
while True:
    found = members()
    if leader(found) == preferred:
        break
    if time.time() - started > timeout:
        sys.exit("pg-cluster: %s does not lead %d s after the switchover from %s" % (preferred, timeout, current))
    time.sleep(0.2)
print("pg-cluster: switchover from %s to %s through Patroni in %.1f s" % (current, preferred, time.time() - started))
