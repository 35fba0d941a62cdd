FROM debian:12
ARG UID=1000001
# A comment stays.
RUN groupadd -g 1000 app \
 && useradd -u 123456 -g app app
RUN useradd --uid=$UID -m builder && useradd -l -u 200000 other
RUN ["useradd", "-u", "300000", "svc"]
RUN useradd -u 1000 small
