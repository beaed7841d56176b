# Sourced by setup.sh, test.sh and demo.sh: puts the Node.js that setup.sh
# unpacked into .tools/node (when the machine's own was older than 20.16)
# first on PATH. Run from the repository's top folder.
if [ -x .tools/node/bin/node ]; then
  PATH="$PWD/.tools/node/bin:$PATH"
  export PATH
fi
