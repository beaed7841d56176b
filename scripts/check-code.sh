#!/usr/bin/env bash
# Static checks of the C++ tree, run by CI (scripts/test.sh):
#  1. formatting: every tracked .cpp/.h is as clang-format (.clang-format)
#     writes it; a difference fails, naming the file and line.
#  2. locks: the files that use the annotated locks of src/core/mutex.h
#     (GUARDED_BY, REQUIRES, ...) pass clang's -Wthread-safety analysis, so a
#     member read or written without the lock that guards it fails the build
#     of this check. A syntax-only pass: nothing is compiled or linked.
# Include paths and definitions come from build/release/compile_commands.json
# when it exists (cmake --preset release), else from the defaults below.
set -euo pipefail
cd "$(dirname "$0")/.."

pick() {
  for tool in "$@"; do
    if command -v "$tool" >/dev/null 2>&1; then
      echo "$tool"
      return
    fi
  done
  echo "check-code: none of $* is installed (apt install clang-format clang)" >&2
  exit 1
}
format=$(pick clang-format-14 clang-format)
clangxx=$(pick clang++-14 clang++)
failed=0

echo "check-code: $format over the tracked C++ files"
if ! git ls-files -z -- '*.cpp' '*.h' | xargs -0 "$format" --dry-run -Werror; then
  echo "check-code: formatting differs (fix: git ls-files '*.cpp' '*.h' | xargs $format -i)" >&2
  failed=1
fi

# The .cpp files whose code (or a header of the same name) uses the annotations.
annotated=()
while IFS= read -r file; do
  case "$file" in
    *.cpp) annotated+=("$file") ;;
    *.h) [[ -f "${file%.h}.cpp" ]] && annotated+=("${file%.h}.cpp") ;;
  esac
done < <(git grep -lE 'GUARDED_BY|REQUIRES|EXCLUDES|MutexLock|ReaderLock|WriterLock' -- 'src/*.cpp' 'src/*.h' |
  grep -v '^src/core/\(mutex\|thread_annotations\)\.h$')
mapfile -t annotated < <(printf '%s\n' "${annotated[@]}" | sort -u)

# -I, -isystem, -D and -include of a file's compile command (the project's
# warning flags are for g++ and are left out).
database=build/release/compile_commands.json
flags_for() {
  if [[ -f "$database" ]]; then
    python3 - "$database" "$PWD/$1" <<'PY'
import json, shlex, sys
for entry in json.load(open(sys.argv[1])):
    if entry["file"] != sys.argv[2]:
        continue
    args = entry.get("arguments") or shlex.split(entry["command"])
    keep, i = [], 0
    while i < len(args):
        a = args[i]
        if a in ("-I", "-isystem", "-D", "-include"):
            keep += [a, args[i + 1]]
            i += 2
            continue
        if a.startswith(("-I", "-isystem", "-D")):
            keep.append(a)
        i += 1
    print(" ".join(shlex.quote(k) for k in keep))
    break
PY
  fi
}

echo "check-code: $clangxx -Wthread-safety over ${#annotated[@]} files"
for file in "${annotated[@]}"; do
  flags=$(flags_for "$file")
  [[ -n "$flags" ]] || flags="-Isrc -I. '-DBARRIER_VERSION=\"0\"' -I/usr/include/hiredis"
  # Boost 1.74's Asio looks for clang's coroutines in <experimental/coroutine>
  # (libc++); with libstdc++ they are in <coroutine>, as g++ finds them.
  if ! eval "$clangxx" -fsyntax-only -std=c++20 -include utility -Wthread-safety \
      -Werror=thread-safety -DBOOST_ASIO_HAS_CO_AWAIT=1 -DBOOST_ASIO_HAS_STD_COROUTINE=1 \
      "$flags" "$file"; then
    echo "check-code: $file: thread-safety analysis failed" >&2
    failed=1
  fi
done

if [[ "$failed" -ne 0 ]]; then
  echo "check-code: FAILED" >&2
  exit 1
fi
echo "check-code: ok"
