FROM fedora:40
RUN dnf install httpd-2.4.62 && dnf clean all
RUN microdnf --nodocs install git-2.45.2 \
 && microdnf clean all
ONBUILD RUN dnf module enable nodejs:20
RUN dnf -y upgrade
