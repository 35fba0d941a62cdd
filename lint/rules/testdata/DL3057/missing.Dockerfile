FROM node:22.11 AS deps
RUN npm ci

# A target of its own, used by no other stage.
# want DL3057@1
FROM node:22.11 AS test
RUN npm test

FROM deps AS runtime
RUN --mount=type=bind,from=deps,source=/root/.npm,target=/cache true
HEALTHCHECK NONE

# The final stage, built on an image: nothing is inherited.
# want DL3057
from nginx:1.27
COPY site/ /usr/share/nginx/html/
