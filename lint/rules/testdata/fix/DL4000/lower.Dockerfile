from alpine:3.20
  maintainer "Jane \"JD\" Doe"   
run echo hi
