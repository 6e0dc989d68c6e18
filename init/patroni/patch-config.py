# pg-cluster: runs inside a Patroni member (python3 -c, as postgres) for the "dcs-config" step.
# Stdin: the dynamic configuration (JSON) the stack declares. Sends it with PATCH /config to the
# member's own REST API (its client certificate; the basic-auth user from its secrets file, read
# here, so the password is in no argv and no environment), then reads the DCS configuration back
# and checks that it holds every declared value. Prints the members that wait for a restart to
# apply a setting. Argument: the member's conf directory.
import base64
import json
import ssl
import sys
import time
import urllib.error
import urllib.request

conf = sys.argv[1]
wanted = json.load(sys.stdin)
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
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return json.loads(response.read().decode() or "null")
    except urllib.error.HTTPError as e:
        sys.exit("pg-cluster: %s %s answered %d: %s" % (method, path, e.code, e.read().decode().strip()))


def differences(want, got, path=""):
    if isinstance(want, dict):
        found = []
        for key, value in want.items():
            found += differences(value, (got or {}).get(key) if isinstance(got, dict) else None, path + "/" + key)
        return found
    # Patroni keeps some values as strings, some as numbers: compare as text.
    return [] if str(want).lower() == str(got).lower() else ["%s = %r (declared %r)" % (path, got, want)]


left = differences(wanted, call("PATCH", "/config", wanted))
if left:
    sys.exit("pg-cluster: PATCH /config did not take: " + "; ".join(left))
# The member answers GET /config from its own view of the DCS, which follows within a loop.
deadline = time.time() + 30
while True:
    left = differences(wanted, call("GET", "/config"))
    if not left:
        break
    if time.time() > deadline:
        sys.exit("pg-cluster: the DCS configuration still differs 30 s after PATCH /config: " + "; ".join(left))
    time.sleep(0.5)
pending = [m["name"] for m in call("GET", "/cluster").get("members", []) if m.get("pending_restart")]
print("pg-cluster: the DCS holds the declared configuration" +
      ("; waiting for a restart to apply a setting: " + ", ".join(pending) if pending else ""))
