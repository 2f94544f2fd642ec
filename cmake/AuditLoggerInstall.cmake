# Run by `cmake --install` (install(SCRIPT) in CMakeLists.txt), after the
# library files are in place. Set before it by install(CODE):
#   AUDIT_PC_TEMPLATE     the .pc template with every value but the prefix filled in
#   AUDIT_INSTALL_LIBDIR  CMAKE_INSTALL_LIBDIR (relative to the prefix, or absolute)
#   AUDIT_LIBRARY_FILES   the library files in the libdir (shared, static)
#   AUDIT_STRIP           the strip program (CMAKE_STRIP)
#
# 1. Writes audit_logger.pc with the prefix this install uses (`--prefix`
#    included), as a plain absolute path: pkg-config then prints -I/-L paths
#    with no `..` in them. DESTDIR is where files go, not where they will be
#    used, so it is not part of the paths written.
# 2. With `cmake --install --strip` (CMAKE_INSTALL_DO_STRIP), strips the
#    library files, which install(PROGRAMS/FILES) never does: the shared
#    library loses its debug information and symbol table (its dynamic symbols
#    stay), the static one its debug information.

if(IS_ABSOLUTE "${AUDIT_INSTALL_LIBDIR}")
  set(libdir "${AUDIT_INSTALL_LIBDIR}")
else()
  set(libdir "${CMAKE_INSTALL_PREFIX}/${AUDIT_INSTALL_LIBDIR}")
endif()
cmake_path(NORMAL_PATH libdir)
set(AUDIT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
cmake_path(NORMAL_PATH AUDIT_PC_PREFIX)
string(REGEX REPLACE "(.)/$" "\\1" AUDIT_PC_PREFIX "${AUDIT_PC_PREFIX}")

set(pc "$ENV{DESTDIR}${libdir}/pkgconfig/audit_logger.pc")
message(STATUS "Installing: ${pc}")
configure_file("${AUDIT_PC_TEMPLATE}" "${pc}" @ONLY)
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${pc}")

if(CMAKE_INSTALL_DO_STRIP)
  if(NOT AUDIT_STRIP)
    message(FATAL_ERROR "--strip: no strip program was found when the project was configured")
  endif()
  foreach(file IN LISTS AUDIT_LIBRARY_FILES)
    set(path "$ENV{DESTDIR}${libdir}/${file}")
    if(file MATCHES "\\.a$")
      set(how --strip-debug)
    else()
      set(how --strip-unneeded)
    endif()
    message(STATUS "Stripping (${how}): ${path}")
    execute_process(COMMAND "${AUDIT_STRIP}" ${how} "${path}" COMMAND_ERROR_IS_FATAL ANY)
  endforeach()
endif()
