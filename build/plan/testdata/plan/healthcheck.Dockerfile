FROM alpine:3.20 AS checked
HEALTHCHECK --interval=30s --timeout=5s --start-period=1m --start-interval=2s --retries=4 CMD curl -f http://localhost/ || exit 1
FROM checked AS exec
HEALTHCHECK CMD ["/bin/check", "--quick"]
FROM exec
HEALTHCHECK NONE
