# escape=`
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022
MAINTAINER Jane "JD" Doe, C:\Users\jane `$
