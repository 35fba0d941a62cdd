# The last USER is root: DL3002 reports it, HS003 does not repeat it.
FROM ubuntu:24.04
USER root
RUN apt-get update
CMD ["bash"]
