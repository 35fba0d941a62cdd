FROM composer:2 AS vendor
WORKDIR /app
# A directory copied into the directory the install runs in.
# want HS004@6
COPY backend/ .
RUN composer install --no-dev --prefer-dist

# A directory copied elsewhere does not touch the install's manifest.
FROM composer:2 AS vendor-good
WORKDIR /app
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts
COPY src/ /app/src/
RUN composer dump-autoload --optimize

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS dotnet
WORKDIR /source
# JSON form; the project file was not copied first.
# want HS004@7
COPY [".", "."]
RUN dotnet restore "App/App.csproj"
RUN dotnet publish -c Release -o /out App/App.csproj

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS dotnet-good
WORKDIR /source
COPY ["App/App.csproj", "App/"]
RUN dotnet restore "App/App.csproj"
COPY . .
RUN dotnet publish -c Release -o /out App/App.csproj

# A build that downloads implicitly is not an install.
FROM rust:1.90 AS rust
WORKDIR /src
COPY . .
RUN cargo build --release
