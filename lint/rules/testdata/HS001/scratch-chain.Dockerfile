FROM scratch AS base
COPY app /app
LABEL org.opencontainers.image.source=https://example.com/app

# The chain ends in scratch and no stage of it sets a command.
# want HS001@6
FROM base
COPY config.yaml /etc/app/config.yaml
