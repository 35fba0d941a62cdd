FROM centos:7
RUN yum install httpd-2.4.6 && yum clean all
RUN set -e; \
    # base tools
    sudo yum \
        update \
    && yum -q groupinstall "Development Tools" \
    && yum clean all
RUN ["yum", "install", "httpd-2.4.6"]
RUN yum install -y git-1.8.3.1
