FROM node:22.11
cmd \
    npm start -- \
    # the port comes last
    --port 8080
