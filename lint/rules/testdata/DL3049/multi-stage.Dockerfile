ARG VERSION=1.4.0
# A build stage used by COPY --from is a building block, not an image.
FROM golang:1.23 AS build
RUN go build -o /app .

# A stage built on an earlier stage inherits its labels.
FROM alpine:3.20 AS base
LABEL org.opencontainers.image.source=https://github.com/acme/web
LABEL org.opencontainers.image.version=$VERSION

FROM base AS final
COPY --from=build /app /app

# A second result without the labels is reported once per label.
# want DL3049 DL3049
FROM debian:12.8 AS debug
COPY --from=build /app /app
