FROM nosuch/image:1
