FROM alpine:3.20 AS first
MAINTAINER Jane Doe <jane@example.com>
FROM alpine:3.20 AS second
# The label exists already: replacing would change its value. No fix.
LABEL maintainer="team@example.com"
MAINTAINER John \
  Roe
FROM second AS third
MAINTAINER Inherits the label
FROM alpine:3.20 AS fourth
# Continued over lines: left alone.
MAINTAINER John \
  Roe
