FROM debian:12
RUN apt-get update && apt-get install --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN apt-get update \
	&& apt-get -q install \
	   --no-install-recommends \
	   git \
	&& rm -rf /var/lib/apt/lists/*
# no fix: exec form
RUN ["apt-get", "install", "--no-install-recommends", "make"]
# no fix: inside an sh -c string
RUN sh -c "apt-get install --no-install-recommends vim"
