FROM alpine:3.20 AS one
MAINTAINER Jane "JD" Doe <$USER@example.com> \o/
FROM alpine:3.20 AS two
MAINTAINER 'Single $quoted'
FROM alpine:3.20 AS three
MAINTAINER "Dollar $HOME"
