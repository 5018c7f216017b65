# cmake -DREADME=<README.md> -DSOURCE=<examples/readme_embed.cpp> -P readme_sync.cmake
# Fails unless README.md contains the example source verbatim inside a
# ```cpp block, so the README snippet is always code CI compiles and runs.
file(READ "${README}" readme)
file(READ "${SOURCE}" source)
string(FIND "${readme}" "```cpp\n${source}```" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not contain ${SOURCE} verbatim in a ```cpp block; copy the file into README.md")
endif()
message(STATUS "README snippet matches ${SOURCE}")
