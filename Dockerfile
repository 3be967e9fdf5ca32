# Builds the server on Debian 12 from this checkout (the same packages as scripts/setup.sh).
FROM debian:12 AS build
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DRESONATE_SKIP="tests;bench" \
 && cmake --build build -j"$(nproc)" --target resonate

FROM debian:12
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      libcaf-core0.17 libcaf-io0.17 libpqxx-6.4 libyaml-cpp0.7 libsqlite3-0 libssl3 libboost-json1.81.0 curl tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/actors/resonate /usr/local/bin/resonate
WORKDIR /data
EXPOSE 8001 9090
ENTRYPOINT ["resonate"]
CMD ["serve"]
