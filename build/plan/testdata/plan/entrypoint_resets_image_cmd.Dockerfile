FROM node:22
ENTRYPOINT ["tini", "--"]
