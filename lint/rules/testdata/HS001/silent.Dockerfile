# nginx's image has a CMD: inheriting it is the point.
FROM nginx:1.27 AS web
COPY site/ /usr/share/nginx/html/
EXPOSE 80
