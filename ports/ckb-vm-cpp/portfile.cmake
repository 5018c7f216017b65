# Header-only port. Before use, set REPO to the real GitHub owner/name and REF to a
# release tag, and replace SHA512 (see README.md, "vcpkg").
set(VCPKG_BUILD_TYPE release) # header-only: no debug build

vcpkg_from_github(
    OUT_SOURCE_PATH SOURCE_PATH
    REPO owner/ckb-vm-cpp
    REF "v${VERSION}"
    SHA512 0
    HEAD_REF main
)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DCKB_VM_INSTALL=ON
        -DCKB_VM_BUILD_TESTS=OFF
        -DCKB_VM_BUILD_EXAMPLES=OFF
        -DCKB_VM_BUILD_BENCH=OFF
        -DCKB_VM_BUILD_FUZZERS=OFF
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME ckb_vm CONFIG_PATH share/ckb_vm)

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug")

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
