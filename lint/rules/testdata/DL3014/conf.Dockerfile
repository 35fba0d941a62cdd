FROM debian:12.8 AS base
RUN echo 'APT::Get::Assume-Yes "true";' > /etc/apt/apt.conf.d/90yes
FROM base
RUN apt-get install --no-install-recommends python=2.7
FROM debian:12.8
# want DL3014
RUN apt-get install --no-install-recommends python=2.7
