# Lower case is the majority here.
# want HS010
FROM alpine:3.20
copy a.txt /a.txt
copy b.txt /b.txt
run echo hi
# want HS010
CMD ["sh"]
# The heredoc body is not instructions.
run <<EOF
RUN is just text here
EOF
onbuild RUN echo the trigger keyword is not counted
