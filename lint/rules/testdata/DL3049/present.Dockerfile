FROM alpine:3.20
LABEL org.opencontainers.image.source="https://github.com/acme/web" \
      org.opencontainers.image.version=1.4.0
RUN echo ok
