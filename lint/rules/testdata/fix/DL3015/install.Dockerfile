FROM debian:12
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
RUN apt-get update \
	&& apt-get -q install \
	   -y \
	   git \
	&& rm -rf /var/lib/apt/lists/*
# no fix: exec form
RUN ["apt-get", "install", "make"]
# no fix: inside an sh -c string
RUN sh -c "apt-get install -y vim"
