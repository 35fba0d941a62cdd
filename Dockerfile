# hoist's own image: a static hoist binary on an empty base, run as a non-root user.
#
#   hoist build -t hoist:dev --build-arg VERSION="$(git describe --tags --always)" \
#     --build-arg COMMIT="$(git rev-parse HEAD)" .
#
# GO_IMAGE swaps the Go toolchain image (a mirror, or one made offline); GOPROXY,
# GOSUMDB and GOFLAGS reach `go mod download` and `go build` (RUN uses the host
# network unless --network=none).
ARG GO_IMAGE=golang:1.26-bookworm

FROM ${GO_IMAGE} AS build
ARG GOPROXY=https://proxy.golang.org,direct
ARG GOSUMDB=sum.golang.org
ARG GOFLAGS=
ENV CGO_ENABLED=0 \
    GOTOOLCHAIN=local \
    GOCACHE=/cache/go-build \
    GOMODCACHE=/cache/go-mod
WORKDIR /src
# The module list first: changing a source file does not download modules again.
COPY go.mod go.sum ./
RUN --mount=type=cache,id=hoist-go-mod,target=/cache/go-mod \
    go mod download
COPY . .
ARG VERSION=
ARG COMMIT=
# The final image's root: the binary, CA certificates for registry TLS, and
# the account the image runs as (nonroot, 65532, as distroless).
RUN --mount=type=cache,id=hoist-go-mod,target=/cache/go-mod \
    --mount=type=cache,id=hoist-go-build,target=/cache/go-build \
    go build -trimpath -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /rootfs/hoist ./cmd/hoist \
    && mkdir -p /rootfs/etc/ssl/certs /rootfs/tmp /rootfs/work /rootfs/home/nonroot \
    && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
    && echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > /rootfs/etc/passwd \
    && echo 'nonroot:x:65532:' > /rootfs/etc/group \
    && chmod 1777 /rootfs/tmp \
    && chown 65532:65532 /rootfs/work /rootfs/home/nonroot

FROM scratch
ARG VERSION=
ARG COMMIT=
LABEL org.opencontainers.image.title="hoist" \
      org.opencontainers.image.description="Lint Dockerfiles, build images without a daemon, tag and prune registries, with an HCL policy deciding." \
      org.opencontainers.image.source="https://github.com/hoistci/hoist" \
      org.opencontainers.image.url="https://github.com/hoistci/hoist" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
COPY --from=build /rootfs/ /
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/hoist"]
CMD ["--help"]
