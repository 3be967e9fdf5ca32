# The server's image, built from this checkout on Debian 12:
#   docker build -t localhost/resonate:latest .     (or: podman build --network host ...)
#
# runtime: Debian 12 with the shared libraries the binary links and nothing else.
# It comes first so that `--target runtime` builds it alone: CI puts the binary
# it has already built on it (scripts/podman.sh) instead of compiling it again.
FROM debian:12 AS runtime
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libcaf-core0.17 libcaf-io0.17 libpq5 libyaml-cpp0.7 libsqlite3-0 libssl3 libjwt0 \
      libboost-json1.81.0 curl ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /data
# API (REST v1, protocol 2026-04-01, GET /poll/*), SSE poller, cluster port, metrics
EXPOSE 8001 8002 7000 9090
ENTRYPOINT ["resonate"]
CMD ["serve"]

# build: the same packages as scripts/setup.sh, the server alone.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
RUN RESONATE_SETUP_MINIMAL=1 bash scripts/setup.sh
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DRESONATE_SKIP="tests;bench" \
 && cmake --build build -j"$(nproc)" --target resonate

FROM runtime
COPY --from=build /src/build/actors/resonate /usr/local/bin/resonate
