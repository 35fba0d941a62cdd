FROM alpine:3.20
# want DL1000
RUN <<EOF
