FROM alpine:3.20
ENV APP_HOME /app
LABEL maintainer "Jane Doe <jane@example.com>"
ENV GPG_KEYS 1198C0117593497A 49D9AF6BC72A80D6
ENV PATH $GEM_HOME/bin:$PATH
ENV QUOTED "x y"
ENV SINGLE 'it is $literal'
ENV SPACES  two  spaces   kept 
ENV ESCAPED x\ y
ENV DEFAULT ${VAR:-a b}
ENV MIXED "x y" z
ENV PARTS 'single $x' "dq $HOME" \"plain\"
ENV TEMPLATE {{ .version }}
ENV NBSP x y
# Not fixed: BuildKit cannot expand this value at all.
ENV BROKEN "unterminated
# Not fixed: $"..." is $ then a quoted word; in one pair of quotes it would expand.
ENV DOLLARQ $"abc" d
ENV ALREADY=ok
ENV TAB	x	y
