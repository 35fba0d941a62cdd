FROM debian:12.8
RUN printf 'APT::Install-Recommends "0";\nAPT::Install-Suggests "0";\n' > /etc/apt/apt.conf.d/01norecommend
RUN apt-get install -y python=2.7
FROM debian:12.8
# want DL3015
RUN apt-get install -y python=2.7
