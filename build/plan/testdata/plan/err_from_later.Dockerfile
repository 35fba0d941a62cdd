FROM later AS early
FROM scratch AS later
