# plan: target=prod
FROM scratch AS build
FROM scratch AS test
