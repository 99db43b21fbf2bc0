#!/usr/bin/python3
"""Scores a CSV file through lathe serve's KServe v2 gRPC service (GRPCInferenceService).

    grpc_client.py --target 127.0.0.1:8081 --model penguins --csv rows.csv
                   [--raw] [--token-file F] [--ca-file CERT.pem]

Prints one JSON object: the server's metadata and readiness, the model's metadata, and the
outputs of one ModelInfer call over every row (name -> values, per-class outputs as one list per
row). The message classes and stubs are generated from proto/grpc_predict_v2.proto with protoc
and Debian's grpc_python_plugin (packages protobuf-compiler, protobuf-compiler-grpc,
python3-grpcio, python3-protobuf) into a temporary directory.

The inputs' types come from the model's metadata: FP64 and INT64 columns are parsed as numbers,
an empty CSV field is sent as NaN (FP64) or refused (INT64), BYTES columns are sent as UTF-8.
--raw sends the values as raw_input_contents (little-endian bytes) instead of typed contents.
"""
import argparse
import csv
import importlib
import json
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_DIR = os.path.join(ROOT, "proto")


def load_stubs(workdir):
    subprocess.run(
        ["protoc", "-I", PROTO_DIR, "--python_out", workdir, "--grpc_python_out", workdir,
         "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
         os.path.join(PROTO_DIR, "grpc_predict_v2.proto")],
        check=True)
    sys.path.insert(0, workdir)
    return (importlib.import_module("grpc_predict_v2_pb2"),
            importlib.import_module("grpc_predict_v2_pb2_grpc"))


def column_values(rows, name, datatype):
    values = []
    for i, row in enumerate(rows):
        text = row.get(name, "")
        if datatype == "BYTES":
            values.append(text.encode())
        elif datatype == "FP64":
            values.append(float(text) if text != "" else float("nan"))
        elif datatype == "INT64":
            if text == "":
                sys.exit(f"row {i + 1}, column {name}: an INT64 input cannot be empty")
            values.append(int(float(text)))
        else:
            sys.exit(f"input {name}: datatype {datatype} is not handled by this client")
    return values


def raw_bytes(values, datatype):
    if datatype == "FP64":
        return struct.pack(f"<{len(values)}d", *values)
    if datatype == "INT64":
        return struct.pack(f"<{len(values)}q", *values)
    return b"".join(struct.pack("<I", len(v)) + v for v in values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", required=True, help="HOST:PORT of lathe serve --grpc-port")
    parser.add_argument("--model", required=True)
    parser.add_argument("--version", default="", help="a version number (default: the server's)")
    parser.add_argument("--csv", required=True, help="rows to score, with a header")
    parser.add_argument("--raw", action="store_true", help="send raw_input_contents")
    parser.add_argument("--token-file", help="bearer token for ModelInfer")
    parser.add_argument("--ca-file", help="TLS: the PEM certificate to trust (lathe serve "
                        "--tls-cert-file)")
    args = parser.parse_args()

    import grpc

    with tempfile.TemporaryDirectory() as workdir:
        pb, pb_grpc = load_stubs(workdir)
        if args.ca_file:
            with open(args.ca_file, "rb") as f:
                channel = grpc.secure_channel(
                    args.target, grpc.ssl_channel_credentials(root_certificates=f.read()))
        else:
            channel = grpc.insecure_channel(args.target)
        stub = pb_grpc.GRPCInferenceServiceStub(channel)
        out = {
            "live": stub.ServerLive(pb.ServerLiveRequest()).live,
            "ready": stub.ServerReady(pb.ServerReadyRequest()).ready,
            "model_ready": stub.ModelReady(
                pb.ModelReadyRequest(name=args.model, version=args.version)).ready,
        }
        server = stub.ServerMetadata(pb.ServerMetadataRequest())
        out["server"] = {"name": server.name, "version": server.version}
        meta = stub.ModelMetadata(pb.ModelMetadataRequest(name=args.model, version=args.version))
        out["metadata"] = {
            "versions": list(meta.versions),
            "platform": meta.platform,
            "inputs": [[t.name, t.datatype] for t in meta.inputs],
            "outputs": [[t.name, t.datatype, list(t.shape)] for t in meta.outputs],
        }

        with open(args.csv, newline="") as f:
            rows = list(csv.DictReader(f))
        request = pb.ModelInferRequest(model_name=args.model, model_version=args.version,
                                       id="grpc-client-1")
        for t in meta.inputs:
            values = column_values(rows, t.name, t.datatype)
            tensor = request.inputs.add(name=t.name, datatype=t.datatype, shape=[len(rows)])
            if args.raw:
                request.raw_input_contents.append(raw_bytes(values, t.datatype))
            elif t.datatype == "FP64":
                tensor.contents.fp64_contents.extend(values)
            elif t.datatype == "INT64":
                tensor.contents.int64_contents.extend(values)
            else:
                tensor.contents.bytes_contents.extend(values)
        metadata = []
        if args.token_file:
            with open(args.token_file) as f:
                metadata.append(("authorization", "Bearer " + f.read().strip()))
        response = stub.ModelInfer(request, metadata=metadata)
        out["id"] = response.id
        out["model_version"] = response.model_version
        outputs = {}
        for o in response.outputs:
            c = o.contents
            if o.datatype == "FP64":
                values = list(c.fp64_contents)
            elif o.datatype == "INT64":
                values = list(c.int64_contents)
            elif o.datatype == "BOOL":
                values = list(c.bool_contents)
            else:
                values = [v.decode() for v in c.bytes_contents]
            if len(o.shape) == 2:  # one list per row
                width = o.shape[1]
                values = [values[i:i + width] for i in range(0, len(values), width)]
            outputs[o.name] = values
        out["outputs"] = outputs
        print(json.dumps(out))


if __name__ == "__main__":
    main()
