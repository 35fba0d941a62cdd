FROM example.com/onbuild:1 AS parent
ONBUILD ENV CHILD=1
FROM parent
ENV OWN=1
