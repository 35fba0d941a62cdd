from alpine:3.20
copy a.txt /a.txt
copy b.txt /b.txt
run <<EOF
RUN is just text in a heredoc
EOF
	Run echo tab-indented
CMD ["sh"]
