FROM node:24-slim
WORKDIR /app
COPY --chown=node:node . .
USER node
CMD ["node", "server.js"]
