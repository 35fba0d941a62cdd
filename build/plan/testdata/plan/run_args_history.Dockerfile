# plan: arg=HTTP_PROXY=http://user:secret@proxy:3128 arg=B=cli
ARG A=global
FROM alpine:3.20 AS one
ARG A
ARG B=default C
ARG HTTP_PROXY
RUN echo $A $B
ENV B=fromenv
RUN echo again
FROM one
ARG D=d
RUN echo child
