FROM ubuntu:24.04
RUN apt -y update &&  apt install -y wget \
	&& sudo /usr/bin/apt upgrade -y \
	&& apt full-upgrade -y \
	&& apt show wget | grep Version \
	&& apt list --installed
RUN ["apt", "install", "-y", "jq"]
RUN apt -o Acquire::Retries=3 install -y git
