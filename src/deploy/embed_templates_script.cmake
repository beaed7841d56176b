# cmake -DOUT=file.cpp -DTEMPLATES="a.yaml;b.yaml" -P embed_templates_script.cmake
# Writes barrier::embeddedTemplate(name) (declared in src/deploy/templates.h).
set(body "// Generated from deploy/*.yaml by src/deploy/embed_templates_script.cmake.\n")
string(APPEND body "#include \"deploy/templates.h\"\n\nnamespace barrier {\n\n")
string(APPEND body "std::string_view embeddedTemplate(std::string_view name) {\n")
foreach(path ${TEMPLATES})
  get_filename_component(name ${path} NAME)
  file(READ ${path} content)
  string(APPEND body "  if (name == \"${name}\") return R\"barrier_tpl(${content})barrier_tpl\";\n")
endforeach()
string(APPEND body "  return {};\n}\n\n}  // namespace barrier\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
