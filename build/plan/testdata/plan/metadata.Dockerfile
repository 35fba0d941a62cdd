FROM alpine:3.20
LABEL org.opencontainers.image.title="hoist test" version=1
LABEL "multi word"="a b" version=2
USER 1000:1000
STOPSIGNAL SIGTERM
VOLUME ["/cache", "/logs"]
VOLUME /data /var/lib/x
VOLUME /more
MAINTAINER someone@example.com
ONBUILD RUN echo triggered
ONBUILD COPY . /app
