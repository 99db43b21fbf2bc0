"""The Python serving peers of bench/run.sh serve: the same bundle served by Flask (WSGI, run by
gunicorn) and by FastAPI (ASGI, run by uvicorn), doing the same work as lathe serve for a
TF Serving row-format predict: raw features -> the bundle's fitted transform -> XGBoost ->
probabilities and class. The transform is read from the bundle's transform.json (the ops the
penguins and flights pipelines use: standardize, min_max, identity, vocabulary).

LATHE_BUNDLE names the bundle directory. Apps: serve_peer:flask_app, serve_peer:fastapi_app.
"""
import json
import math
import os

import numpy as np
import xgboost


class Bundle:
    def __init__(self, path):
        manifest = json.load(open(os.path.join(path, "manifest.json")))
        graph = json.load(open(os.path.join(path, manifest["transform"])))
        self.classes = manifest.get("classes", [])
        self.task = manifest["task"]
        self.features = []  # (input, op, fitted, spec)
        for spec, fitted in zip(graph["spec"]["features"], graph["fitted"]):
            self.features.append((spec["input"], spec.get("op", "identity"), fitted, spec))
        self.width = len(manifest["features"])
        self.booster = xgboost.Booster()
        self.booster.load_model(os.path.join(path, manifest["model"]["file"]))
        self.booster.set_param({"nthread": 1})

    def row(self, instance):
        x = np.zeros((1, self.width), dtype=np.float32)
        col = 0
        for name, op, fitted, spec in self.features:
            v = instance.get(name)
            if op in ("standardize", "min_max", "identity"):
                if v is None:
                    v = fitted["fill_value"] if spec.get("fill") else math.nan
                x[0, col] = (float(v) - fitted["shift"]) / fitted["scale"]
                col += 1
            elif op == "vocabulary":
                vocab = fitted["vocabulary"]
                k = len(vocab)
                code = vocab.index(v) if v in vocab else (k if spec.get("oov_buckets", 1) > 0 else -1)
                if spec.get("encoding") == "one_hot":
                    if v is not None and code >= 0:
                        x[0, col + code] = 1
                    col += k + (1 if spec.get("oov_buckets", 1) > 0 else 0)
                else:
                    x[0, col] = math.nan if v is None or code < 0 else code
                    col += 1
            else:
                raise ValueError(f"op {op} is not supported by this peer")
        return x

    def predict(self, instances):
        out = []
        for inst in instances:
            p = self.booster.inplace_predict(self.row(inst))
            if self.task == "multiclass":
                probs = [float(v) for v in p[0]]
                best = max(range(len(probs)), key=probs.__getitem__)
                out.append({"class": self.classes[best], "probabilities": probs})
            elif self.task == "binary":
                out.append({"class": int(p[0] >= 0.5), "probability": float(p[0])})
            else:
                out.append(float(p[0]))
        return {"predictions": out}


_bundle = Bundle(os.environ["LATHE_BUNDLE"])

try:
    import flask

    flask_app = flask.Flask(__name__)

    @flask_app.post("/v1/models/<name>:predict")
    def flask_predict(name):
        return flask.jsonify(_bundle.predict(flask.request.get_json()["instances"]))
except ImportError:
    pass

try:
    import fastapi

    fastapi_app = fastapi.FastAPI()

    @fastapi_app.post("/v1/models/{name}:predict")
    async def fastapi_predict(name: str, body: dict):
        return _bundle.predict(body["instances"])
except ImportError:
    pass
