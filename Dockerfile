# syntax=docker/dockerfile:1
# One image for every edgelb subcommand: `edgelb controller`, `edgelb speaker`, `edgelb status`, …
#   docker build -t edgelb/edgelb:dev .
# The build stage runs hack/publish.sh, the same script a test runs outside a container (and then
# starts the binary it produced), so this recipe cannot drift from what the tests prove.

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble AS build
# The native (ahead-of-time) compiler links with clang and needs zlib's headers.
RUN apt-get update \
    && apt-get install -y --no-install-recommends clang zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages \
    bash hack/publish.sh /out

# edgelb is a self-contained native executable (hack/publish.sh): the runtime-deps image has the
# system libraries it needs and no .NET runtime.
FROM mcr.microsoft.com/dotnet/runtime-deps:${DOTNET_VERSION}-noble
# The speaker shells out to these: `ip` (iproute2) for the VIP interface, `nft` (nftables) for the
# kernel data plane, `sysctl` (procps) for the ARP and forwarding settings. The controller needs none.
RUN apt-get update \
    && apt-get install -y --no-install-recommends iproute2 nftables procps \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out /app
# Non-root by default (the image's `app` user). The controller runs like this; the speaker's
# DaemonSet runs it as uid 0 with every capability dropped except NET_RAW and NET_ADMIN.
USER $APP_UID
# On PATH so that `kubectl exec … -- edgelb status` works.
ENV PATH=/app:$PATH
ENTRYPOINT ["/app/edgelb"]
CMD ["--help"]
