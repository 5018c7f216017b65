# Provides the doctest::doctest target and doctest_discover_tests() for the unit tests.
#
# Lookup order, first that works wins:
#   1. installed:  find_package(doctest CONFIG) (Debian's doctest-dev, vcpkg, a prefix on
#                  CMAKE_PREFIX_PATH). Skipped with -DCMAKE_DISABLE_FIND_PACKAGE_doctest=ON.
#   2. debian:     `apt-get download doctest-dev` + `dpkg-deb -x` into
#                  <build>/_deps/doctest-deb: needs no root, only apt's package lists.
#   3. download:   the pinned release archive doctest v2.4.11 (SHA-256 checked).
# CKB_VM_DOCTEST_SOURCE (auto|installed|debian|download) forces one of them.
# CKB_VM_DOCTEST_PROVIDER (cache, read-only) records which one was used.
# doctest's sources are never part of this repository; what steps 2 and 3 obtain lives
# in the build tree only.

set(CKB_VM_DOCTEST_SOURCE "auto" CACHE STRING
  "Where the unit tests get doctest: auto (installed, then Debian archive, then download), installed, debian, download")
set_property(CACHE CKB_VM_DOCTEST_SOURCE PROPERTY STRINGS auto installed debian download)

set(_ckb_vm_doctest_version 2.4.11)
set(_ckb_vm_doctest_url
  "https://github.com/doctest/doctest/archive/refs/tags/v${_ckb_vm_doctest_version}.tar.gz")
set(_ckb_vm_doctest_sha256 632ed2c05a7f53fa961381497bf8069093f0d6628c5f26286161fbd32a560186)

# doctest::doctest as an imported header-only target on <include_dir> (system include,
# so -Werror builds do not see doctest's own warnings).
function(_ckb_vm_doctest_target include_dir)
  if(NOT TARGET doctest::doctest)
    add_library(doctest::doctest INTERFACE IMPORTED GLOBAL)
    set_target_properties(doctest::doctest PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${include_dir}")
  endif()
endfunction()

function(_ckb_vm_doctest_record provider version where)
  set(CKB_VM_DOCTEST_PROVIDER "${provider}" CACHE INTERNAL "Where doctest came from")
  message(STATUS "ckb_vm: doctest ${version} (${provider}) from ${where}")
endfunction()

macro(_ckb_vm_doctest_try_installed)
  find_package(doctest CONFIG QUIET)
  if(doctest_FOUND)
    # doctest's package config puts its directory on CMAKE_MODULE_PATH; fall back to
    # the file next to the config in case a packaging does not.
    include(doctest OPTIONAL RESULT_VARIABLE _ckb_vm_doctest_module)
    if(NOT _ckb_vm_doctest_module)
      include("${doctest_DIR}/doctest.cmake")
    endif()
    _ckb_vm_doctest_record(installed "${doctest_VERSION}" "${doctest_DIR}")
    set(_ckb_vm_doctest_done TRUE)
  endif()
endmacro()

# Debian's doctest-dev is architecture-independent: one header plus CMake scripts. Its
# package config hard-codes /usr, so only the header and doctest.cmake are used.
macro(_ckb_vm_doctest_try_debian)
  set(_deb_root "${CMAKE_BINARY_DIR}/_deps/doctest-deb")
  set(_deb_tree "${_deb_root}/tree")
  if(NOT EXISTS "${_deb_tree}/usr/include/doctest/doctest.h")
    find_program(CKB_VM_APT_GET apt-get)
    find_program(CKB_VM_DPKG_DEB dpkg-deb)
    mark_as_advanced(CKB_VM_APT_GET CKB_VM_DPKG_DEB)
    if(CKB_VM_APT_GET AND CKB_VM_DPKG_DEB)
      file(REMOVE_RECURSE "${_deb_root}")
      file(MAKE_DIRECTORY "${_deb_root}")
      execute_process(COMMAND "${CKB_VM_APT_GET}" download doctest-dev
        WORKING_DIRECTORY "${_deb_root}" RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
      file(GLOB _debs "${_deb_root}/doctest-dev_*.deb")
      if(_rc EQUAL 0 AND _debs)
        list(GET _debs 0 _deb)
        execute_process(COMMAND "${CKB_VM_DPKG_DEB}" -x "${_deb}" "${_deb_tree}" RESULT_VARIABLE _rc)
      else()
        string(STRIP "${_err}" _err)
        message(STATUS "ckb_vm: `apt-get download doctest-dev` failed (${_err})")
      endif()
    endif()
  endif()
  if(EXISTS "${_deb_tree}/usr/include/doctest/doctest.h"
     AND EXISTS "${_deb_tree}/usr/lib/cmake/doctest/doctest.cmake")
    _ckb_vm_doctest_target("${_deb_tree}/usr/include")
    include("${_deb_tree}/usr/lib/cmake/doctest/doctest.cmake")
    file(GLOB _debs RELATIVE "${_deb_root}" "${_deb_root}/doctest-dev_*.deb")
    string(REGEX REPLACE "^doctest-dev_([^_]+)_.*" "\\1" _deb_version "${_debs}")
    _ckb_vm_doctest_record(debian "${_deb_version}" "${_deb_tree}")
    set(_ckb_vm_doctest_done TRUE)
  endif()
endmacro()

macro(_ckb_vm_doctest_try_download)
  include(FetchContent)
  # SOURCE_SUBDIR names a directory without CMakeLists.txt, so MakeAvailable only
  # downloads and unpacks: doctest's own CMake project is not configured.
  FetchContent_Declare(ckb_vm_doctest
    URL "${_ckb_vm_doctest_url}"
    URL_HASH "SHA256=${_ckb_vm_doctest_sha256}"
    DOWNLOAD_EXTRACT_TIMESTAMP TRUE
    SOURCE_SUBDIR no-cmake-project)
  FetchContent_MakeAvailable(ckb_vm_doctest)
  _ckb_vm_doctest_target("${ckb_vm_doctest_SOURCE_DIR}")
  include("${ckb_vm_doctest_SOURCE_DIR}/scripts/cmake/doctest.cmake")
  _ckb_vm_doctest_record(download "${_ckb_vm_doctest_version}" "${ckb_vm_doctest_SOURCE_DIR}")
  set(_ckb_vm_doctest_done TRUE)
endmacro()

set(_ckb_vm_doctest_done FALSE)
if(CKB_VM_DOCTEST_SOURCE STREQUAL "auto")
  if(NOT CMAKE_DISABLE_FIND_PACKAGE_doctest)
    _ckb_vm_doctest_try_installed()
  endif()
  if(NOT _ckb_vm_doctest_done)
    _ckb_vm_doctest_try_debian()
  endif()
  if(NOT _ckb_vm_doctest_done)
    message(STATUS "ckb_vm: no installed doctest and no Debian archive; downloading doctest "
                   "v${_ckb_vm_doctest_version} (set FETCHCONTENT_SOURCE_DIR_CKB_VM_DOCTEST to an "
                   "unpacked copy to skip the download)")
    _ckb_vm_doctest_try_download()
  endif()
elseif(CKB_VM_DOCTEST_SOURCE STREQUAL "installed")
  _ckb_vm_doctest_try_installed()
elseif(CKB_VM_DOCTEST_SOURCE STREQUAL "debian")
  _ckb_vm_doctest_try_debian()
elseif(CKB_VM_DOCTEST_SOURCE STREQUAL "download")
  _ckb_vm_doctest_try_download()
else()
  message(FATAL_ERROR "ckb_vm: CKB_VM_DOCTEST_SOURCE must be auto, installed, debian or download, "
                      "not '${CKB_VM_DOCTEST_SOURCE}'")
endif()
if(NOT _ckb_vm_doctest_done OR NOT TARGET doctest::doctest OR NOT COMMAND doctest_discover_tests)
  message(FATAL_ERROR "ckb_vm: doctest not found (CKB_VM_DOCTEST_SOURCE=${CKB_VM_DOCTEST_SOURCE}). "
                      "Install Debian's doctest-dev, or pass -DCKB_VM_BUILD_TESTS=OFF.")
endif()
