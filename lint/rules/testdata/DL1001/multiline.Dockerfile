FROM alpine:3.20
RUN apk add --no-cache \
# want +1 DL1001
# hadolint ignore=DL3018
    curl
# hadolintignore=DL3018 is not a pragma
RUN echo done
