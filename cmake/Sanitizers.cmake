if(SECURECHAT_FUZZ)
  # Libraries get libFuzzer's coverage instrumentation without its main(); the fuzz targets add
  # -fsanitize=fuzzer themselves (tests/fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
elseif(SECURECHAT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
elseif(SECURECHAT_TSAN)
  # ThreadSanitizer cannot be combined with ASan; scripts/tsan.sh builds only the concurrency
  # suites with it.
  # asio's fenced blocks are fences TSan cannot model (GCC refuses them under -Werror=tsan); its
  # scheduler's mutex already orders a handler's memory, so they are left out here.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_compile_definitions(ASIO_DISABLE_FENCED_BLOCK)
  add_link_options(-fsanitize=thread)
endif()
