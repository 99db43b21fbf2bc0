"""The simulated shop's users, shared by make_data.py and traffic.py (standard library only).

A user has an age, a device, visits in the last month and minutes on the site. Whether they are
interested in the premium offer follows a fixed logistic model of those features, so a model
trained on past users can learn it, and a better model tells interested users apart more often.
"""
import math
import random

DEVICES = ["mobile", "desktop", "tablet"]


def user(rng: random.Random) -> dict:
    return {
        "age": rng.randint(18, 70),
        "device": rng.choice(DEVICES),
        "visits": rng.randint(0, 30),
        "minutes": round(rng.expovariate(1 / 20), 2),
    }


def interest_probability(u: dict) -> float:
    """The true probability that the user wants the premium offer."""
    score = (-1.0 + 0.12 * (u["visits"] - 10) + 0.05 * (u["minutes"] - 20)
             + (0.9 if u["device"] == "desktop" else -0.3 if u["device"] == "mobile" else 0)
             - 0.03 * (u["age"] - 40))
    return 1 / (1 + math.exp(-score))


# Conversion probability by (interested, offer shown). Showing the premium offer to an interested
# user converts best; showing it to a user who is not interested loses them.
CONVERSION = {(True, "premium"): 0.50, (True, "basic"): 0.02,
              (False, "premium"): 0.00, (False, "basic"): 0.15}
REVENUE = {"premium": 40.0, "basic": 10.0}
