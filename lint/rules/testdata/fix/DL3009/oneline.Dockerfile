FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl; echo installed
# no fix: the install is in a pipeline
RUN apt-get update && apt-get install -y --no-install-recommends git | tee /tmp/log
# no fix: only an update (HS020)
RUN apt-get update
# no fix: a script that may need the lists runs after the install
RUN apt-get update && apt-get install -y gcc; ./build-more.sh
# no fix: inside a subshell
RUN (apt-get update && apt-get install -y make)
