FROM eclipse-temurin:21-jre AS runtime
ENTRYPOINT ["java", \
    "-jar", "/app/app.jar"]

FROM runtime
COPY app.jar /app/app.jar
# The CMD is set in this stage, the exec-form ENTRYPOINT comes from `runtime`.
# want HS002@5
cmd serve --spring.profiles.active=prod
