# One INTERFACE target carries the warning flags; every project target links it.
add_library(securechat_warnings INTERFACE)
target_compile_options(securechat_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
  -Wimplicit-fallthrough)
if(SECURECHAT_WERROR)
  target_compile_options(securechat_warnings INTERFACE -Werror)
endif()
