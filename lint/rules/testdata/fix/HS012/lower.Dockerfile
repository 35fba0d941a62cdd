from alpine:3.20
env DEPS \
    curl \
    git
label version 1.0
env LIST	a \
	# a comment line inside the continuation stays
	b
# Not fixed: a comment between the key and the value.
env SPLIT \
# comment
    value
# Not fixed: quotes in a value continued over lines.
env MULTI "a b" \
    c
env KEY \
    single
run apk add $DEPS
