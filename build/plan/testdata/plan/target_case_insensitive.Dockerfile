# plan: target=BUILD
FROM scratch AS Build
COPY --chown=1000:1000 --chmod=644 a b /dst/
FROM scratch
