# want DL3061
RUN echo no stage
# want DL3061
CMD ["sh"]
