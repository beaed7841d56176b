# Compiles the CloudFormation templates under deploy/ into barrier_deploy, so
# the `barrier` binary deploys the very files cfn-lint checks, wherever it runs.
# Included from the top-level CMakeLists.txt after barrier_deploy is defined.
file(GLOB BARRIER_DEPLOY_TEMPLATES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/deploy/*.yaml)
set(BARRIER_DEPLOY_TEMPLATES_CPP ${CMAKE_CURRENT_BINARY_DIR}/generated/deploy_templates.cpp)
add_custom_command(
  OUTPUT ${BARRIER_DEPLOY_TEMPLATES_CPP}
  COMMAND ${CMAKE_COMMAND} -DOUT=${BARRIER_DEPLOY_TEMPLATES_CPP}
          "-DTEMPLATES=${BARRIER_DEPLOY_TEMPLATES}"
          -P ${CMAKE_CURRENT_SOURCE_DIR}/src/deploy/embed_templates_script.cmake
  DEPENDS ${BARRIER_DEPLOY_TEMPLATES} ${CMAKE_CURRENT_SOURCE_DIR}/src/deploy/embed_templates_script.cmake
  COMMENT "Embedding deploy/*.yaml"
  VERBATIM)
target_sources(barrier_deploy PRIVATE ${BARRIER_DEPLOY_TEMPLATES_CPP})
