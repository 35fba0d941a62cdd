# plan: arg=V=cli arg=W=cli-w
ARG V=global
FROM scratch
ARG V=default
ARG W
ENV V=$V W=$W
RUN echo $V
