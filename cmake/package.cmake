# The Debian package: `cmake --build --preset release --target package`
# writes build/release/barrier_<version>_<arch>.deb (CPack's DEB generator).
#
#   /usr/bin/barrier                         stripped
#   /lib/systemd/system/barrier.service      hardened unit, not enabled
#   /etc/barrier/barrier.yaml                conffile, 0640 root:barrier (statoverride)
#   /usr/share/man/man1/barrier.1.gz
#   /usr/share/doc/barrier/                  copyright, changelog, README, examples/
#   /usr/share/lintian/overrides/barrier     the one deliberate deviation (0640)
#
# Maintainer scripts (packaging/debian/) create the barrier system user and
# /var/lib/barrier. Library dependencies come from dpkg-shlibdeps; adduser
# is the maintainer scripts' own.
set(BARRIER_DEB_DIR ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian)
set(BARRIER_DEB_GEN ${CMAKE_CURRENT_BINARY_DIR}/debian)

# Debian wants the man page and the changelog compressed, without a
# timestamp in the gzip header (gzip -n), so that builds are reproducible.
configure_file(${BARRIER_DEB_DIR}/barrier.1 ${BARRIER_DEB_GEN}/barrier.1 @ONLY)
configure_file(${BARRIER_DEB_DIR}/changelog.in ${BARRIER_DEB_GEN}/changelog @ONLY)
add_custom_command(
  OUTPUT ${BARRIER_DEB_GEN}/barrier.1.gz ${BARRIER_DEB_GEN}/changelog.gz
         ${BARRIER_DEB_GEN}/README.md.gz
  COMMAND gzip -9nc ${BARRIER_DEB_GEN}/barrier.1 > ${BARRIER_DEB_GEN}/barrier.1.gz
  COMMAND gzip -9nc ${BARRIER_DEB_GEN}/changelog > ${BARRIER_DEB_GEN}/changelog.gz
  COMMAND gzip -9nc ${CMAKE_CURRENT_SOURCE_DIR}/README.md > ${BARRIER_DEB_GEN}/README.md.gz
  DEPENDS ${BARRIER_DEB_GEN}/barrier.1 ${BARRIER_DEB_GEN}/changelog
          ${CMAKE_CURRENT_SOURCE_DIR}/README.md
  VERBATIM)
add_custom_target(barrier_deb_docs ALL
  DEPENDS ${BARRIER_DEB_GEN}/barrier.1.gz ${BARRIER_DEB_GEN}/changelog.gz
          ${BARRIER_DEB_GEN}/README.md.gz)

# Paths are relative to CPACK_PACKAGING_INSTALL_PREFIX "/", so the package
# holds /usr, /lib and /etc side by side.
set(BARRIER_DEB_DOC usr/share/doc/barrier)
set(BARRIER_DEB_READ_ONLY OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(TARGETS barrier RUNTIME DESTINATION usr/bin)
install(FILES ${BARRIER_DEB_DIR}/barrier.service DESTINATION lib/systemd/system
        PERMISSIONS ${BARRIER_DEB_READ_ONLY})
install(FILES ${BARRIER_DEB_DIR}/barrier.yaml DESTINATION etc/barrier
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${BARRIER_DEB_GEN}/barrier.1.gz DESTINATION usr/share/man/man1
        PERMISSIONS ${BARRIER_DEB_READ_ONLY})
install(FILES ${BARRIER_DEB_DIR}/copyright ${BARRIER_DEB_GEN}/changelog.gz
              ${BARRIER_DEB_GEN}/README.md.gz
        DESTINATION ${BARRIER_DEB_DOC} PERMISSIONS ${BARRIER_DEB_READ_ONLY})
install(FILES ${BARRIER_DEB_DIR}/lintian-overrides DESTINATION usr/share/lintian/overrides
        RENAME barrier PERMISSIONS ${BARRIER_DEB_READ_ONLY})
install(FILES examples/nginx/barrier.conf DESTINATION ${BARRIER_DEB_DOC}/examples/nginx
        PERMISSIONS ${BARRIER_DEB_READ_ONLY})
install(FILES examples/traefik/dynamic.yml DESTINATION ${BARRIER_DEB_DOC}/examples/traefik
        PERMISSIONS ${BARRIER_DEB_READ_ONLY})
install(FILES examples/caddy/Caddyfile DESTINATION ${BARRIER_DEB_DOC}/examples/caddy
        PERMISSIONS ${BARRIER_DEB_READ_ONLY})
install(FILES examples/barrier.yaml DESTINATION ${BARRIER_DEB_DOC}/examples
        PERMISSIONS ${BARRIER_DEB_READ_ONLY})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME barrier)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CONTACT "barrier maintainers <maintainers@users.noreply.r-seed-d9e35a2a.example>")
# The first line is the synopsis; CPack indents the rest and turns the
# empty line into " .".
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "login barrier for websites (OpenID Connect, Amazon Cognito)
barrier sends visitors without a valid session to an identity provider's
login page (Amazon Cognito or any OpenID Connect provider) and keeps their
sessions server-side, so that an operator can revoke them at any time.

This package runs the self-hosted gateway, barrier serve, as a systemd
service: in front of static files or an application, or asked by nginx,
Traefik or Caddy for forward authentication. Sessions are kept in SQLite
(or Redis, or DynamoDB).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION httpd)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${BARRIER_DEB_DIR}/conffiles ${BARRIER_DEB_DIR}/postinst ${BARRIER_DEB_DIR}/prerm
  ${BARRIER_DEB_DIR}/postrm)
include(CPack)
