FROM debian:12.8 AS lib
# want DL3009
ONBUILD RUN apt-get update && apt-get install -y curl
RUN apt-get update && apt-get install -y curl

FROM scratch
COPY --from=lib /bin/sh /bin/sh
