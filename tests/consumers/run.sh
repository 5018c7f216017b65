#!/usr/bin/env bash
# Checks that other CMake projects can consume ckb_vm:
#   - install (with the options the vcpkg port uses) into a temporary prefix and
#     check the layout the port expects;
#   - find_package(ckb_vm 0.1 CONFIG REQUIRED) against that prefix;
#   - FetchContent and add_subdirectory of this checkout (which must not add
#     ckb_vm's tests or examples to the consumer);
#   - find_package(ckb_vm 99.0 ...) must fail to configure;
#   - `cmake --install` of a configured, unbuilt tree installs the headers only, and
#     the "tools" component installs ckb-vm-run.
# Usage: tests/consumers/run.sh   (from anywhere; works in a temporary directory)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ckb_vm_consumers.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
ok() { echo "consumers: PASS $*"; passed=$((passed + 1)); }
bad() { echo "consumers: FAIL $*"; failed=$((failed + 1)); }

# cmake_run LOG CMD...: run quietly, appending to LOG; show LOG if it fails.
cmake_run() {
  local log=$1
  shift
  if "$@" >>"$log" 2>&1; then
    return 0
  fi
  cat "$log"
  return 1
}

# The port's version must be the project's version, which CMakeLists.txt reads
# from the header's CKB_VM_VERSION_MAJOR/MINOR/PATCH.
version_part() {
  sed -n "s/^#define CKB_VM_VERSION_$1 \([0-9][0-9]*\)$/\1/p" "$root/include/ckb_vm/detail/config.hpp" | head -n 1
}
project_version="$(version_part MAJOR).$(version_part MINOR).$(version_part PATCH)"
port_version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$root/ports/ckb-vm-cpp/vcpkg.json" | head -n 1)
if [[ -n "$project_version" && "$project_version" == "$port_version" ]]; then
  ok "ports/ckb-vm-cpp/vcpkg.json version $port_version matches project() VERSION"
else
  bad "ports/ckb-vm-cpp/vcpkg.json version '$port_version' differs from project() VERSION '$project_version'"
fi

# --- install, as the vcpkg port does ------------------------------------------
prefix="$work/prefix"
if cmake_run "$work/install.log" cmake -S "$root" -B "$work/build-install" -DCMAKE_BUILD_TYPE=Release \
     -DCKB_VM_BUILD_TESTS=OFF -DCKB_VM_BUILD_EXAMPLES=OFF -DCKB_VM_BUILD_BENCH=OFF -DCKB_VM_INSTALL=ON &&
   cmake_run "$work/install.log" cmake --build "$work/build-install" &&
   cmake_run "$work/install.log" cmake --install "$work/build-install" --prefix "$prefix"; then
  ok "cmake --install into a temporary prefix"
else
  bad "cmake --install into a temporary prefix"
fi

layout_ok=1
for f in include/ckb_vm/ckb_vm.hpp share/ckb_vm/ckb_vmConfig.cmake share/ckb_vm/ckb_vmConfigVersion.cmake \
         share/ckb_vm/ckb_vmTargets.cmake; do
  if [[ ! -f "$prefix/$f" ]]; then
    echo "consumers: missing $f in the installed tree"
    layout_ok=0
  fi
done
# Every header of the source tree is installed, and nothing but headers and the package files.
while IFS= read -r h; do
  [[ -f "$prefix/include/$h" ]] || { echo "consumers: header $h not installed"; layout_ok=0; }
done < <(cd "$root/include" && find . -type f | sed 's|^\./||')
unexpected=$(cd "$prefix" && find . -type f | sed 's|^\./||' | grep -v -E '^include/|^share/ckb_vm/' || true)
if [[ -n "$unexpected" ]]; then
  echo "consumers: unexpected installed files:"
  echo "$unexpected"
  layout_ok=0
fi
if ((layout_ok)); then
  ok "installed layout matches the vcpkg port (include/ckb_vm/, share/ckb_vm/)"
else
  bad "installed layout"
  (cd "$prefix" && find . -type f | sort)
fi

# --- install from a configured but unbuilt tree (examples on, as at top level) --
# A plain `cmake --install` installs headers and package files without building
# anything; ckb-vm-run is only in the "tools" component.
unbuilt="$work/build-unbuilt"
prefix_unbuilt="$work/prefix-unbuilt"
if cmake_run "$work/unbuilt.log" cmake -S "$root" -B "$unbuilt" -DCMAKE_BUILD_TYPE=Release \
     -DCKB_VM_BUILD_TESTS=OFF -DCKB_VM_BUILD_EXAMPLES=ON -DCKB_VM_BUILD_BENCH=OFF -DCKB_VM_INSTALL=ON &&
   cmake_run "$work/unbuilt.log" cmake --install "$unbuilt" --prefix "$prefix_unbuilt" &&
   [[ -f "$prefix_unbuilt/include/ckb_vm/ckb_vm.hpp" && -f "$prefix_unbuilt/share/ckb_vm/ckb_vmConfig.cmake" ]] &&
   [[ ! -e "$prefix_unbuilt/bin" ]] &&
   [[ ! -e "$unbuilt/examples/ckb-vm-run" ]]; then
  ok "cmake --install of a configured, unbuilt tree installs the headers and builds nothing"
else
  ls -R "$prefix_unbuilt" 2>/dev/null | head -n 20 || true
  bad "cmake --install of a configured, unbuilt tree"
fi
# The tools component, once its target is built, installs bin/ckb-vm-run and nothing else.
if cmake_run "$work/unbuilt.log" cmake --build "$unbuilt" --target ckb-vm-run &&
   cmake_run "$work/unbuilt.log" cmake --install "$unbuilt" --prefix "$work/prefix-tools" --component tools &&
   [[ -x "$work/prefix-tools/bin/ckb-vm-run" ]] &&
   [[ $(cd "$work/prefix-tools" && find . -type f | wc -l) -eq 1 ]] &&
   "$work/prefix-tools/bin/ckb-vm-run" --help >/dev/null; then
  ok "cmake --install --component tools installs bin/ckb-vm-run"
else
  (cd "$work/prefix-tools" 2>/dev/null && find . -type f) || true
  bad "cmake --install --component tools"
fi

# --- consumers ----------------------------------------------------------------
# consume NAME EXTRA_CMAKE_ARGS...: configure, build and run tests/consumers/NAME.
consume() {
  local name=$1
  shift
  local b="$work/$name"
  if cmake_run "$b.log" cmake -S "$here/$name" -B "$b" "$@" &&
     cmake_run "$b.log" cmake --build "$b" &&
     cmake_run "$b.log" "$b/consumer"; then
    tail -n 1 "$b.log"
    return 0
  fi
  return 1
}

if consume find_package -DCMAKE_PREFIX_PATH="$prefix" &&
   grep -q "consumer: ckb_vm $project_version from $prefix/share/ckb_vm" "$work/find_package.log"; then
  ok "find_package(ckb_vm 0.1 CONFIG REQUIRED) from the installed prefix"
else
  grep "consumer: ckb_vm" "$work/find_package.log" || true
  bad "find_package(ckb_vm 0.1 CONFIG REQUIRED) from the installed prefix"
fi

if consume fetchcontent -DCKB_VM_SOURCE="$root"; then
  ok "FetchContent of this checkout (no tests or examples added)"
else
  bad "FetchContent of this checkout"
fi

if consume add_subdirectory -DCKB_VM_SOURCE="$root"; then
  ok "add_subdirectory of this checkout (no tests or examples added)"
else
  bad "add_subdirectory of this checkout"
fi

# --- a version the package does not satisfy must be refused ----------------------
if cmake -S "$here/wrong_version" -B "$work/wrong_version" -DCMAKE_PREFIX_PATH="$prefix" \
     >"$work/wrong_version.log" 2>&1; then
  cat "$work/wrong_version.log"
  bad "find_package(ckb_vm 99.0) configured, but must be refused"
elif grep -q "$prefix/share/ckb_vm/ckb_vmConfig.cmake, version: $project_version" "$work/wrong_version.log"; then
  ok "find_package(ckb_vm 99.0) refused: installed $project_version is not compatible"
else
  cat "$work/wrong_version.log"
  bad "find_package(ckb_vm 99.0) failed, but not because of the version"
fi

echo "consumers: $passed passed, $failed failed"
((failed == 0))
