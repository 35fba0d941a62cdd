FROM opensuse/leap:15.6
RUN zypper install httpd=2.4.58 && zypper clean
RUN zypper --gpg-auto-import-keys refresh \
 && zypper \
      update \
 && zypper clean
RUN ["zypper", "in", "git=2.45"]
RUN zypper -n in vim=9.1
