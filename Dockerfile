# The lathe command in a container (for Argo Workflows / Kubeflow tasks: `lathe export argo
# --image IMAGE`), built by the project's own scripts on Debian 12 and run on a slim Debian 12 with
# the shared libraries lathe links, Python for command steps, and the web UI's files.
#   docker build -t lathe .
#   docker run --rm lathe --version
# tests/scripts/dockerfile_test.sh checks that the runtime packages cover what the binary links.

FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && LATHE_BUILD_TYPE=Release scripts/setup.sh -DLATHE_BUILD_TESTS=OFF -DLATHE_BUILD_BENCH=OFF \
 && install -D -m 0755 build/bin/lathe /out/bin/lathe \
 && mkdir -p /out/share/lathe \
 && cp -r build/ui /out/share/lathe/ui

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libabsl20220623 libatomic1 libfmt9 libgrpc++1.51 libgrpc29 libjemalloc2 libpq5 libprotobuf32 \
      libsimdjson14 libspdlog1.10 libsqlite3-0 libssl3 libstdc++6 libxgboost0 libxxhash0 \
      libyaml-cpp0.7 libzstd1 \
      python3 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/bin/lathe /usr/local/bin/lathe
COPY --from=build /out/share/lathe /usr/local/share/lathe
WORKDIR /work
ENTRYPOINT ["lathe"]
CMD ["--help"]
