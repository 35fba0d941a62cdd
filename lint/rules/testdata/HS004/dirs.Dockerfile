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

# A build that downloads the crates as it goes busts the cache as much as an install.
FROM rust:1.90 AS rust
WORKDIR /src
# want HS004@6
COPY . .
RUN cargo build --release

# ... unless the crates were fetched before the sources came in.
FROM rust:1.90 AS rust-good
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && cargo fetch
COPY . .
RUN cargo build --release --offline
