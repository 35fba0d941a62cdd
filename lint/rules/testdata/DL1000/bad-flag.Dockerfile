FROM alpine:3.20
# want DL1000
COPY --bogus=1 a /b
RUN echo the rest is still linted
WORKDIR /app
CMD ["sh"]
