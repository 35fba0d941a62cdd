# plan: arg=NAME=fromcli
FROM alpine:3.20
ARG NAME=argdefault
ENV NAME=envvalue
ENV USE=$NAME
ENV A=1 B=$A
ENV A=2
ENV PATH=/opt/bin:$PATH
