FROM scratch AS first
COPY --from=second /x /x
FROM scratch AS second
