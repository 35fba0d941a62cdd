# Step 1: the parent image
FROM ubuntu:24.04

RUN apt-get -y update &&  apt-get install -y --no-install-recommends wget nginx \
	&& wget -q -O packages-microsoft-prod.deb https://example.com/p.deb \
	&& dpkg -i packages-microsoft-prod.deb \
	&& apt-get -y update \
	&& apt-get install -y --no-install-recommends dotnet-sdk-8.0

CMD ["nginx", "-g", "daemon off;"]
