ARG APP_UID=10001
FROM alpine:3.22 AS base
RUN adduser -D -u 10001 app
USER ${APP_UID}

# The USER comes from the stage this one is built FROM.
FROM base
COPY app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
