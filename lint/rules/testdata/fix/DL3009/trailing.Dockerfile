FROM debian:12
RUN apt-get update && \
    # tools for the build
    apt-get install -y --no-install-recommends \
        curl \
        git > /dev/null && \
    echo done
USER nobody
