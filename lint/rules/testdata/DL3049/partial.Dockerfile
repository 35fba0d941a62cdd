# Only one of the two labels is set; used by index in RUN --mount.
FROM alpine:3.20
RUN echo assets > /assets

# want DL3049
FROM alpine:3.20 AS final
LABEL org.opencontainers.image.source=https://github.com/acme/web
RUN --mount=type=bind,from=0,source=/assets,target=/assets cat /assets
ONBUILD LABEL org.opencontainers.image.version=1.0.0
