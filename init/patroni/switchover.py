# pg-cluster: runs inside a Patroni member (python3 -c, as postgres) for the "leader" step.
# Makes the preferred member the leader: nothing when it leads already; otherwise a planned
# switchover through Patroni's REST API (POST /switchover, the basic-auth user read here from the
# member's secrets file), refused when the candidate does not stream or lags, then waits until it
# leads. Arguments: the member's conf directory, the preferred member, the lag bound in bytes,
# the timeout in seconds. Its last line on stdout says what it did.
import base64
import json
import ssl
import sys
import time
import urllib.error
import urllib.request

conf, preferred, max_lag, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
context = ssl.create_default_context(cafile=conf + "/dcs-ca.crt")
context.load_cert_chain(conf + "/member.crt", conf + "/member.key")
with open(conf + "/patroni/10-secrets.yml") as f:
    auth = json.load(f)["restapi"]["authentication"]
token = base64.b64encode((auth["username"] + ":" + auth["password"]).encode()).decode()


def call(method, path, body=None):
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
        sys.exit("pg-cluster: %s %s answered %d: %s" % (method, path, e.code, e.read().decode().strip()))


def members():
    return {m["name"]: m for m in call("GET", "/cluster").get("members", [])}


def leader(found):
    return next((n for n, m in found.items() if m.get("role") in ("leader", "master") and m.get("state") == "running"),
                None)


found = members()
current = leader(found)
if current == preferred:
    print("pg-cluster: %s leads, as pg-cluster:primary prefers" % preferred)
    sys.exit(0)
if current is None:
    sys.exit("pg-cluster: no member leads now (%s): no switchover to %s; run pulumi up again once Patroni elected one"
             % (", ".join("%s %s" % (n, m.get("state")) for n, m in sorted(found.items())), preferred))
candidate = found.get(preferred)
if candidate is None or candidate.get("state") != "streaming":
    sys.exit("pg-cluster: refusing to switch over from %s to %s: it does not stream from the leader (state: %s)"
             % (current, preferred, candidate.get("state") if candidate else "not a member"))
lag = candidate.get("lag")
if not isinstance(lag, int) or lag > max_lag:
    sys.exit("pg-cluster: refusing to switch over from %s to %s: it is %s bytes behind (at most %d)"
             % (current, preferred, lag, max_lag))
started = time.time()
call("POST", "/switchover", {"leader": current, "candidate": preferred})
while True:
    found = members()
    if leader(found) == preferred:
        break
    if time.time() - started > timeout:
        sys.exit("pg-cluster: %s does not lead %d s after the switchover from %s" % (preferred, timeout, current))
    time.sleep(0.2)
print("pg-cluster: switchover from %s to %s through Patroni in %.1f s" % (current, preferred, time.time() - started))
