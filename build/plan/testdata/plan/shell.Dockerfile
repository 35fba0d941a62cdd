FROM scratch
SHELL ["/bin/bash", "-eo", "pipefail", "-c"]
RUN echo hi | cat
CMD echo "shell form"
SHELL ["pwsh", "-Command"]
ENTRYPOINT Write-Host hello
