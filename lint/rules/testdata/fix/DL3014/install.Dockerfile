FROM debian:12
RUN apt-get update && apt-get install --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN apt-get update \
	&& apt-get -q install \
	   --no-install-recommends \
	   git \
	&& rm -rf /var/lib/apt/lists/*
# exec form: the option is a new element of the array
RUN ["apt-get", "install", "--no-install-recommends", "make"]
# inside an sh -c string
RUN sh -c "apt-get install --no-install-recommends vim"
# no fix: an escape earlier in the sh -c string shifts the positions
RUN sh -c "echo \"a\" && apt-get install --no-install-recommends nano"
