FROM node:22.11 AS app
CMD node server.js
  CMD   exec node  --max-old-space-size=512 server.js 
# Not fixed: shell syntax (variables, &&, redirections, quotes, globs, assignments, builtins).
CMD node server.js --port $PORT
CMD npm run migrate && node server.js
CMD node server.js > /var/log/app.log 2>&1
CMD node "my server.js"
CMD ls *.js
CMD NODE_ENV=production node server.js
CMD cd /app
CMD node server.js # a comment for the shell
