From alpine:3.20
RUN echo bom
