# escape=`
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022
ENV GOPATH C:\go
ENV PROGRAMS C:\Program Files\App
ENV QUOTED C:\x "y z" `$HOME
LABEL description Windows `
      build
