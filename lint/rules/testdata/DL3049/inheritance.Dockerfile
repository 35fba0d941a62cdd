# The base stage has no labels, but the stage built on it does: base is a building block.
FROM alpine:3.20 AS base
RUN apk add --no-cache ca-certificates

FROM base AS final
LABEL org.opencontainers.image.source=https://github.com/acme/web org.opencontainers.image.version=1.4.0

# A stage built on base that is not labelled.
# want DL3049 DL3049
FROM base
RUN echo other
