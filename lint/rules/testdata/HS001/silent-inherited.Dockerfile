FROM alpine:3.22 AS base
RUN apk add --no-cache tini
ENTRYPOINT ["/sbin/tini", "--"]

FROM scratch AS unused
COPY x /x

# The ENTRYPOINT comes from the stage this one is built FROM.
FROM base
COPY app /usr/local/bin/app
EXPOSE 8080
