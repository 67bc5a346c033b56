# hotpath_library(NAME SOURCES... [DEPS libs...]): one static library per bounded context.
# Headers sit beside the sources; includes are rooted at src/ ("orders/order.h").
function(hotpath_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(hotpath_${name} STATIC ${ARG_SOURCES})
  target_include_directories(hotpath_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(hotpath_${name} PUBLIC ${ARG_DEPS})
endfunction()

# hotpath_test(NAME SOURCES... DEPS libs...): a GoogleTest binary whose cases ctest lists one by one.
function(hotpath_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
    PROPERTIES ENVIRONMENT "HOTPATH_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared")
endfunction()
