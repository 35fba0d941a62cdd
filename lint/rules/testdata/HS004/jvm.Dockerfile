# Maven: a lifecycle phase resolves every dependency.
FROM maven:3.9-eclipse-temurin-21 AS mvn
WORKDIR /build
# want HS004@6
COPY . .
RUN mvn -B -DskipTests clean package

# The good pattern: go-offline on the pom first.
FROM maven:3.9-eclipse-temurin-21 AS mvn-good
WORKDIR /build
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY src ./src
RUN mvn -B -o package

# Offline, or with the repository in a cache mount: nothing to download.
FROM maven:3.9-eclipse-temurin-21 AS mvn-cache
WORKDIR /build
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B package
RUN mvn --offline verify

# Gradle through its wrapper.
FROM eclipse-temurin:21-jdk AS gradle
WORKDIR /home/gradle/src
# want HS004@24
COPY --chown=1000:1000 . .
RUN ./gradlew bootJar --no-daemon

FROM gradle:8-jdk21 AS gradle-cache
WORKDIR /home/gradle/src
COPY . .
RUN --mount=type=cache,target=/home/gradle/.gradle gradle build --no-daemon
RUN gradle --version

# .NET: publish restores unless told not to.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS dotnet
WORKDIR /src
# want HS004@6
COPY . .
RUN dotnet publish -c Release -o /app

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS dotnet-good
WORKDIR /src
COPY *.sln ./
COPY App/App.csproj App/
RUN dotnet restore
COPY . .
RUN dotnet publish --no-restore -c Release -o /app
