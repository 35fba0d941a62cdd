# syntax=docker/dockerfile:1
ARG VERSION=3.20
From alpine:${VERSION} AS base
RUN apk add --no-cache curl
copy a.txt /a.txt
COPY b.txt /b.txt
  Run echo mixed \
    && echo "run copy from" # keywords in arguments stay
ENTRYPOINT ["sh"]
# arg in a comment stays
arg LATE
onbuild RUN echo the trigger is not checked
