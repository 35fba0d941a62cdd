FROM alpine:3.20 AS server
entrypoint /usr/local/bin/start.sh --verbose

FROM alpine:3.20 AS base
# Not fixed: in exec form this ENTRYPOINT would receive the CMD of the stage below.
ENTRYPOINT /usr/local/bin/start.sh

FROM base AS final
CMD serve

# escape=` is only a directive on the first line; here it is a comment.
FROM alpine:3.20 AS tool
ENTRYPOINT exec /usr/bin/tool run
