# ubuntu runs bash, which exits at once under docker run -d: nginx never starts.
# want HS001@6
FROM ubuntu:24.04
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/*
COPY site/ /var/www/html/
EXPOSE 80
