# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
CMD ping -t localhost `
    -n 5
