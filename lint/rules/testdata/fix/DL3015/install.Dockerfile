FROM debian:12
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
RUN apt-get update \
	&& apt-get -q install \
	   -y \
	   git \
	&& rm -rf /var/lib/apt/lists/*
# exec form: the option is a new element of the array
RUN ["apt-get", "install", "make"]
# inside an sh -c string
RUN sh -c "apt-get install -y vim"
