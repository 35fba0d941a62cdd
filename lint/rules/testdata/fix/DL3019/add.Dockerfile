FROM alpine:3.20
RUN apk add curl=8.9.1-r2
RUN set -eux; \
    apk --update add \
        git=2.45.2-r0 \
        make=4.4.1-r2; \
    rm -rf /var/cache/apk/*
# exec form: the option is a new element of the array
RUN ["apk", "add", "jq=1.7.1-r0"]
