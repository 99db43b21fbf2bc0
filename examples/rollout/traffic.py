"""Simulated shop traffic against `lathe serve` (standard library only).

Each visit is a new user (users.py). The shop asks the deployed model for the probability that the
user wants the premium offer, shows the premium offer when it is at least 0.5 and the basic offer
otherwise, and the user converts with the probability users.CONVERSION gives for their true
interest and the offer shown: a model that tells interested users apart better converts more.
Requests carry the user id in X-User-Id (the deployment's sticky key); outcomes (converted 0/1,
revenue) are fed back by that key in batches, as a shop's order system would.

Prints a line whenever the deployment changes (read from /lathe/v1/deployments/NAME), and at the
end the visits and conversion rate each version had.
"""
import argparse
import http.client
import json
import random
import sys
import time

import users

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--model", default="offers")
parser.add_argument("--deployment", default="shop")
parser.add_argument("--visits", type=int, default=10000)
parser.add_argument("--first-user", type=int, default=0)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--until-rollback", action="store_true",
                    help="stop 1,000 visits after the canary is rolled back automatically")
args = parser.parse_args()

conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)


def call(method, path, body=None, headers=None):
    conn.request(method, path, body=None if body is None else json.dumps(body),
                 headers=dict(headers or {}, **{"Content-Type": "application/json"}))
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit(f"{method} {path}: HTTP {r.status}: {data.decode()[:300]}")
    return r, json.loads(data)


def state():
    _, d = call("GET", f"/lathe/v1/deployments/{args.deployment}")
    return d


rng = random.Random(args.seed)        # who visits
behaviour = random.Random(args.seed + 1000)  # what they do
started = time.monotonic()
seen = state()
stats = {}  # version -> [visits, conversions, revenue]
feedback = []
stop_at = None


def describe(d):
    line = f"stable v{d['stable']}"
    if d["canary"]:
        line += f", canary v{d['canary']} at {d['canary_share'] * 100:g}%"
    return line


print(f"[{0:6.1f} s, visit {0:6d}] {describe(seen)}")
for i in range(args.visits):
    user_id = f"user-{args.first_user + i}"
    u = users.user(rng)
    r, answer = call("POST", f"/v1/models/{args.model}:predict", {"instances": [u]},
                     {"X-User-Id": user_id})
    version = int(r.getheader("X-Lathe-Model-Version") or 0)
    p = answer["predictions"][0]["probability"]
    offer = "premium" if p >= 0.5 else "basic"
    interested = behaviour.random() < users.interest_probability(u)
    converted = behaviour.random() < users.CONVERSION[(interested, offer)]
    revenue = users.REVENUE[offer] if converted else 0.0
    s = stats.setdefault(version, [0, 0, 0.0])
    s[0] += 1
    s[1] += converted
    s[2] += revenue
    feedback.append({"key": user_id, "outcomes": {"converted": int(converted), "revenue": revenue}})
    if len(feedback) == 250:
        call("POST", f"/lathe/v1/deployments/{args.deployment}/feedback", {"feedback": feedback})
        feedback = []
    if (i + 1) % 250 == 0:
        d = state()
        if (d["stable"], d["canary"], d["last_action"], d["changed_ms"]) != (
                seen["stable"], seen["canary"], seen["last_action"], seen["changed_ms"]):
            print(f"[{time.monotonic() - started:6.1f} s, visit {i + 1:6d}] {d['last_action']}: "
                  f"{d['last_reason']} -> {describe(d)}")
            seen = d
            if args.until_rollback and d["last_action"] == "auto-rollback":
                stop_at = i + 1000
        if stop_at is not None and i >= stop_at:
            break
if feedback:
    call("POST", f"/lathe/v1/deployments/{args.deployment}/feedback", {"feedback": feedback})
elapsed = time.monotonic() - started
total = sum(s[0] for s in stats.values())
print(f"{total} visits in {elapsed:.1f} s")
for version, (n, conversions, revenue) in sorted(stats.items()):
    print(f"  v{version}: {n} visits, conversion {conversions / n * 100:.1f}%, "
          f"revenue per visit {revenue / n:.2f}")
if args.until_rollback and stop_at is None:
    sys.exit("the canary was not rolled back")
